//! The cast and the stage: developers with names, addresses, time zones and
//! habits, and a kernel-like source tree split into subsystems with
//! maintainers. Built once per seed; everything else refers to it by index.

use crate::rng::{Rng, hash2};

/// How a person sends patches; it shapes Message-IDs, X-Mailer and the
/// cover-letter footer (b4 adds `change-id:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    SendEmail,
    B4,
}

/// How a person writes replies; it shapes Message-IDs, the attribution line
/// and User-Agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    Mutt,
    Gmail,
    Thunderbird,
    Gnus,
    Bot,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// A second address some people send from while signing trailers with
    /// the first (putt must flag such trailers as suspicious).
    pub alt_email: Option<String>,
    /// Offset east of UTC in minutes.
    pub tz: i32,
    pub sender: Sender,
    pub client: Client,
    pub subsys: usize,
    /// First name, for "Thanks, Name" sign-offs.
    pub first: String,
    /// Puts carried trailers above their own Signed-off-by.
    pub trailers_first: bool,
    /// Sends mail quoted-printable now and then (corporate relays do).
    pub qp_prone: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    C,
    Header,
    Rst,
    Yaml,
    Make,
    Kconfig,
    Shell,
    Python,
    Dts,
    Rust,
}

#[derive(Clone, Debug)]
pub struct SrcFile {
    pub path: String,
    pub lang: Lang,
    /// Identifier prefix used in code snippets (`ice`, `mlx5e`, `btrfs`).
    pub ident: &'static str,
}

#[derive(Clone, Debug)]
pub struct Dir {
    pub path: &'static str,
    /// Subject prefix, e.g. `net: stmmac` or `drm/amdgpu`.
    pub tag: &'static str,
    pub ident: &'static str,
    /// Indices into [`World::files`].
    pub files: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct Subsys {
    pub name: &'static str,
    /// The -next tree named in `[PATCH net-next]` prefixes, if the
    /// subsystem does that.
    pub next_tree: Option<&'static str>,
    pub fixes_tree: Option<&'static str>,
    pub dirs: Vec<Dir>,
    /// Shared headers and docs that patches here also touch.
    pub extra_files: Vec<u32>,
    pub maintainers: Vec<u32>,
    pub reviewers: Vec<u32>,
    pub weight: u32,
    pub git_url: String,
}

pub struct World {
    pub people: Vec<Person>,
    /// Cumulative activity weights (Zipf-like) for picking authors.
    cum_activity: Vec<u64>,
    pub subsystems: Vec<Subsys>,
    pub files: Vec<SrcFile>,
    pub ci_bot: u32,
    pub pr_bot: u32,
    pub patch_bot: u32,
    /// The top-level maintainer who receives pull requests.
    pub linus: u32,
    pub list_name: String,
    pub list_addr: String,
    pub list_id: String,
    pub list_host: String,
}

struct SubsysSpec {
    name: &'static str,
    next_tree: Option<&'static str>,
    fixes_tree: Option<&'static str>,
    weight: u32,
    /// (directory, subject tag, identifier prefix)
    dirs: &'static [(&'static str, &'static str, &'static str)],
    stems: &'static [&'static str],
    extra: &'static [&'static str],
}

#[rustfmt::skip]
const NET_STEMS: &[&str] = &[
    "main", "netdev", "ethtool", "ptp", "lib", "txrx", "xsk", "common", "nvm", "phy", "mac",
    "param", "regs", "hw", "dcb", "lag", "devlink", "sriov", "virtchnl", "fltr", "switch", "base",
    "sched", "irq", "dma", "debugfs", "fw", "tc", "vf", "pf", "en_rx", "en_tx", "en_main", "rep",
    "tc_ct", "flow", "ring", "stats", "mdio", "pci", "platform", "ptp_clock", "xdp", "hwmon",
];
#[rustfmt::skip]
const CORE_NET_STEMS: &[&str] = &[
    "dev", "skbuff", "sock", "filter", "rtnetlink", "neighbour", "tcp", "tcp_input", "tcp_output",
    "tcp_ipv4", "udp", "ip_output", "ip_input", "route", "fib_trie", "af_inet", "ipv6_sockglue",
    "ip6_output", "addrconf", "ndisc", "sch_generic", "sch_htb", "cls_api", "act_api", "cls_flower",
    "nf_tables_api", "nft_ct", "nf_conntrack_core", "br_fdb", "br_vlan", "protocol", "subflow",
    "pm_netlink", "options", "netlink", "genetlink", "page_pool", "gro", "xdp", "devmem",
];
#[rustfmt::skip]
const DRM_STEMS: &[&str] = &[
    "amdgpu_device", "amdgpu_vm", "amdgpu_ttm", "amdgpu_gem", "amdgpu_ring", "gfx_v11_0",
    "gmc_v11_0", "sdma_v6_0", "amdgpu_dm", "dc_link", "dcn32_resource", "intel_display", "intel_dp",
    "intel_hdmi", "i915_gem", "intel_gt", "intel_uc", "xe_bo", "xe_vm", "xe_guc", "xe_exec",
    "nouveau_bo", "msm_gem", "dpu_encoder", "drm_gem", "drm_atomic", "drm_fb_helper", "drm_edid",
    "drm_connector", "drm_mm", "drm_sched", "panel_simple", "bridge_tc358767",
];
#[rustfmt::skip]
const MM_STEMS: &[&str] = &[
    "memory", "page_alloc", "slub", "vmscan", "huge_memory", "hugetlb", "mmap", "filemap", "shmem",
    "swap", "swapfile", "memcontrol", "rmap", "migrate", "compaction", "khugepaged", "gup",
    "mprotect", "mremap", "madvise", "folio-compat", "vmalloc", "percpu", "zswap", "userfaultfd",
    "damon/core", "damon/paddr", "kasan/common", "mempolicy", "oom_kill",
];
#[rustfmt::skip]
const FS_STEMS: &[&str] = &[
    "inode", "super", "file", "dir", "namei", "extents", "balloc", "ialloc", "xattr", "acl",
    "ioctl", "mballoc", "journal", "fsync", "readdir", "resize", "disk-io", "ctree", "extent_io",
    "volumes", "transaction", "delayed-inode", "send", "scrub", "xfs_inode", "xfs_buf", "xfs_log",
    "xfs_bmap", "xfs_iomap", "xfs_reflink", "data", "node", "segment", "gc", "checkpoint",
    "nfs4proc", "nfs4state", "pnfs", "read", "write", "direct", "iomap",
];
#[rustfmt::skip]
const SCHED_STEMS: &[&str] = &[
    "core", "fair", "rt", "deadline", "topology", "cpufreq_schedutil", "psi", "ext", "idle",
    "loadavg", "cputime", "stats", "debug", "wait", "completion", "membarrier", "syscalls",
];
const X86_STEMS: &[&str] = &[
    "setup",
    "traps",
    "process",
    "smpboot",
    "apic",
    "io_apic",
    "tsc",
    "alternative",
    "cpu/common",
    "cpu/intel",
    "cpu/amd",
    "cpu/bugs",
    "cpu/microcode/core",
    "fpu/core",
    "fpu/xstate",
    "kvm",
    "fault",
    "init_64",
    "pat/memtype",
    "tlb",
    "ioremap",
    "mem_encrypt",
    "head_64",
    "entry_64",
    "syscall_64",
    "vmx/vmx",
    "vmx/nested",
    "svm/svm",
    "svm/sev",
    "x86",
    "mmu/mmu",
    "lapic",
    "cpuid",
    "emulate",
    "pmu",
];
#[rustfmt::skip]
const ARM_STEMS: &[&str] = &[
    "setup", "traps", "fault", "mmu", "cpufeature", "entry-common", "smp", "process", "signal",
    "ptrace", "proton-pack", "kaslr", "hibernate", "fpsimd", "sdei", "mte", "pointer_auth",
    "hyp/switch", "hyp/pgtable", "arm", "guest", "vgic/vgic", "vgic/vgic-its", "mmu_notifier",
];
#[rustfmt::skip]
const DTS_STEMS: &[&str] = &[
    "sm8550", "sm8650", "sc7280", "x1e80100", "qcm6490-fairphone-fp5", "sdm845", "msm8916",
    "imx8mp", "imx8mm-evk", "imx93-11x11-evk", "rk3588", "rk3588s-orangepi-5", "rk3399-gru",
    "mt8195", "mt8186-corsola", "sun50i-h616", "meson-g12b", "tegra234", "r8a779f0", "k3-am62-main",
    "k3-j784s4-main", "exynos850", "bcm2712",
];
#[rustfmt::skip]
const USB_STEMS: &[&str] = &[
    "core", "gadget", "ep0", "host", "drd", "debugfs", "trace", "dwc3-qcom", "dwc3-pci", "xhci",
    "xhci-ring", "xhci-mem", "xhci-hub", "hub", "message", "config", "quirks", "ucsi", "typec",
    "tcpm", "cdc-acm", "usbnet", "f_fs", "composite", "u_ether", "serial",
];
#[rustfmt::skip]
const IIO_STEMS: &[&str] = &[
    "ad7124", "ad7192", "ad4695", "ad7380", "ad9467", "ltc2983", "bmi323_core", "bme680_core",
    "mcp3911", "ti-ads1015", "ti-ads131e08", "stm32-adc", "adxl345_core", "bmp280-core", "hx711",
    "inv_mpu_core", "st_lsm6dsx_core", "vcnl4000", "industrialio-core", "industrialio-buffer",
    "industrialio-trigger", "iio-backend",
];
#[rustfmt::skip]
const SOUND_STEMS: &[&str] = &[
    "soc-core", "soc-pcm", "soc-dapm", "soc-component", "rt5682", "rt711-sdca", "wm8960", "cs35l56",
    "cs42l43", "tas2781-i2c", "max98390", "hda_intel", "patch_realtek", "patch_hdmi", "sof-audio",
    "ipc4-topology", "amd-acp", "fsl_sai", "qcom-lpass-cpu", "mt8195-mt6359",
];
#[rustfmt::skip]
const BLOCK_STEMS: &[&str] = &[
    "blk-mq", "blk-core", "blk-merge", "blk-settings", "blk-cgroup", "bio", "genhd", "blk-zoned",
    "mq-deadline", "bfq-iosched", "core", "pci", "ioctl", "multipath", "tcp", "rdma", "fabrics",
    "loop", "nbd", "zram_drv", "ublk_drv", "raid1", "raid10", "raid5", "md", "dm", "dm-crypt",
    "dm-verity-target", "io_uring", "rw", "net", "poll", "rsrc",
];
#[rustfmt::skip]
const SCSI_STEMS: &[&str] = &[
    "ufshcd", "ufs-qcom", "ufs-mediatek", "ufs-exynos", "sd", "scsi_lib", "scsi_error", "scsi_scan",
    "libata-core", "libata-scsi", "ahci", "mpi3mr_fw", "mpt3sas_base", "lpfc_init", "lpfc_sli",
    "qla_init", "qla_os", "hisi_sas_main", "target_core_transport", "iscsi_target",
];
#[rustfmt::skip]
const BPF_STEMS: &[&str] = &[
    "verifier", "syscall", "core", "btf", "helpers", "hashtab", "arraymap", "ringbuf", "trampoline",
    "bpf_struct_ops", "cgroup", "devmap", "cpumap", "lpm_trie", "arena", "bpf_lsm", "net_namespace",
    "token", "log", "task_iter",
];
#[rustfmt::skip]
const PCI_STEMS: &[&str] = &[
    "pci", "probe", "quirks", "msi/msi", "msi/irqdomain", "pcie/aer", "pcie/aspm", "pcie/dpc",
    "pcie/portdrv", "pcie/bwctrl", "controller/dwc/pcie-designware", "controller/dwc/pcie-qcom",
    "controller/dwc/pcie-tegra194", "controller/pcie-rockchip", "controller/pci-hyperv",
    "hotplug/pciehp_hpc", "setup-bus", "iov", "pci-sysfs", "doe",
];
#[rustfmt::skip]
const RUST_STEMS: &[&str] = &[
    "lib", "sync", "sync/arc", "sync/lock", "types", "error", "alloc", "alloc/kbox", "alloc/kvec",
    "str", "print", "init", "device", "driver", "pci", "platform", "of", "firmware", "net/phy",
    "block/mq", "workqueue", "task", "time", "list", "rbtree", "uaccess", "page",
];
#[rustfmt::skip]
const SELFTEST_STEMS: &[&str] = &[
    "test_progs", "verifier", "xdp_synproxy", "tc_actions", "fib_tests", "udpgro", "mptcp_join",
    "pmtu", "forwarding/router", "tls", "so_txtime", "ksft", "cgroup_util", "memfd_test",
    "hugetlb-madvise", "uffd-stress", "kvm_util", "x86_64/state_test", "rseq", "seccomp_bpf",
];
#[rustfmt::skip]
const DOC_STEMS: &[&str] = &[
    "index", "api", "usage", "design", "admin-guide", "overview", "howto", "testing", "locking",
    "porting", "faq", "devlink", "ethtool-netlink", "napi", "xfrm_device", "page_pool",
    "submitting-patches", "maintainer-netdev", "coding-style", "process", "changes",
];
#[rustfmt::skip]
const BINDING_STEMS: &[&str] = &[
    "adi,ad7124", "adi,ad4695", "bosch,bme680", "ti,ads1015", "st,stm32-adc", "qcom,pcie",
    "qcom,sm8550-pinctrl", "rockchip,rk3588-cru", "fsl,imx8mp-pcie", "mediatek,mt8195-dp",
    "nvidia,tegra234-pcie", "snps,dwc3", "usb-device", "ethernet-controller", "ethernet-phy",
    "mdio", "spi-controller", "i2c-controller", "gpio-controller", "pwm", "regulator",
];
#[rustfmt::skip]
const SCRIPTS_STEMS: &[&str] = &[
    "Makefile.build", "Makefile.lib", "Makefile.modpost", "Makefile.extrawarn", "Kbuild.include",
    "checkpatch", "get_maintainer", "kernel-doc", "decode_stacktrace", "faddr2line", "link-vmlinux",
    "setlocalversion", "mod/modpost", "kconfig/confdata", "kconfig/symbol", "kconfig/menu",
    "clang-tools/gen_compile_commands", "package/builddeb", "sign-file",
];

#[rustfmt::skip]
static SUBSYS_SPECS: &[SubsysSpec] = &[
    SubsysSpec {
        name: "intel ethernet drivers",
        next_tree: Some("net-next"),
        fixes_tree: Some("net"),
        weight: 9,
        dirs: &[
            ("drivers/net/ethernet/intel/e1000e", "e1000e", "e1000e"),
            ("drivers/net/ethernet/intel/igb", "igb", "igb"),
            ("drivers/net/ethernet/intel/ice", "ice", "ice"),
            ("drivers/net/ethernet/intel/i40e", "i40e", "i40e"),
            ("drivers/net/ethernet/intel/ixgbe", "ixgbe", "ixgbe"),
            ("drivers/net/ethernet/intel/igc", "igc", "igc"),
            ("drivers/net/ethernet/intel/idpf", "idpf", "idpf"),
        ],
        stems: NET_STEMS,
        extra: &["include/linux/netdevice.h", "include/linux/avf/virtchnl.h"],
    },
    SubsysSpec {
        name: "mellanox and broadcom ethernet drivers",
        next_tree: Some("net-next"),
        fixes_tree: Some("net"),
        weight: 7,
        dirs: &[
            (
                "drivers/net/ethernet/mellanox/mlx5/core",
                "net/mlx5",
                "mlx5",
            ),
            (
                "drivers/net/ethernet/mellanox/mlx5/core/en",
                "net/mlx5e",
                "mlx5e",
            ),
            ("drivers/net/ethernet/mellanox/mlxsw", "mlxsw", "mlxsw"),
            ("drivers/net/ethernet/broadcom/bnxt", "bnxt_en", "bnxt"),
            (
                "drivers/net/ethernet/broadcom/genet",
                "net: bcmgenet",
                "bcmgenet",
            ),
        ],
        stems: NET_STEMS,
        extra: &[
            "include/linux/mlx5/driver.h",
            "include/linux/mlx5/mlx5_ifc.h",
        ],
    },
    SubsysSpec {
        name: "other ethernet and phy drivers",
        next_tree: Some("net-next"),
        fixes_tree: Some("net"),
        weight: 8,
        dirs: &[
            (
                "drivers/net/ethernet/stmicro/stmmac",
                "net: stmmac",
                "stmmac",
            ),
            ("drivers/net/ethernet/realtek", "r8169", "rtl8169"),
            ("drivers/net/ethernet/freescale/fec", "net: fec", "fec"),
            (
                "drivers/net/ethernet/marvell/octeontx2/af",
                "octeontx2-af",
                "rvu",
            ),
            (
                "drivers/net/ethernet/microchip/lan966x",
                "net: lan966x",
                "lan966x",
            ),
            ("drivers/net/phy", "net: phy", "phy"),
            (
                "drivers/net/dsa/mv88e6xxx",
                "net: dsa: mv88e6xxx",
                "mv88e6xxx",
            ),
            (
                "drivers/net/wireless/intel/iwlwifi/mvm",
                "wifi: iwlwifi: mvm",
                "iwl_mvm",
            ),
            ("drivers/net/wireless/realtek/rtw89", "wifi: rtw89", "rtw89"),
            ("drivers/net/wireless/ath/ath12k", "wifi: ath12k", "ath12k"),
        ],
        stems: NET_STEMS,
        extra: &[
            "include/linux/phy.h",
            "include/linux/stmmac.h",
            "include/net/dsa.h",
        ],
    },
    SubsysSpec {
        name: "networking core",
        next_tree: Some("net-next"),
        fixes_tree: Some("net"),
        weight: 9,
        dirs: &[
            ("net/core", "net", "net"),
            ("net/ipv4", "tcp", "tcp"),
            ("net/ipv6", "ipv6", "ip6"),
            ("net/sched", "net/sched", "tcf"),
            ("net/netfilter", "netfilter", "nft"),
            ("net/bridge", "net: bridge", "br"),
            ("net/mptcp", "mptcp", "mptcp"),
            ("net/netlink", "netlink", "netlink"),
        ],
        stems: CORE_NET_STEMS,
        extra: &[
            "include/linux/skbuff.h", "include/net/sock.h", "include/net/tcp.h",
            "include/uapi/linux/if_link.h", "Documentation/netlink/specs/netdev.yaml",
        ],
    },
    SubsysSpec {
        name: "bpf",
        next_tree: Some("bpf-next"),
        fixes_tree: Some("bpf"),
        weight: 6,
        dirs: &[
            ("kernel/bpf", "bpf", "bpf"),
            ("tools/lib/bpf", "libbpf", "libbpf"),
            ("tools/bpf/bpftool", "bpftool", "bpftool"),
        ],
        stems: BPF_STEMS,
        extra: &[
            "include/linux/bpf.h",
            "include/uapi/linux/bpf.h",
            "include/linux/bpf_verifier.h",
        ],
    },
    SubsysSpec {
        name: "drm",
        next_tree: None,
        fixes_tree: None,
        weight: 10,
        dirs: &[
            ("drivers/gpu/drm/amd/amdgpu", "drm/amdgpu", "amdgpu"),
            (
                "drivers/gpu/drm/amd/display/dc/core",
                "drm/amd/display",
                "dc",
            ),
            ("drivers/gpu/drm/i915/display", "drm/i915/display", "intel"),
            ("drivers/gpu/drm/i915/gt", "drm/i915/gt", "intel_gt"),
            ("drivers/gpu/drm/xe", "drm/xe", "xe"),
            ("drivers/gpu/drm/nouveau", "drm/nouveau", "nouveau"),
            ("drivers/gpu/drm/msm/disp/dpu1", "drm/msm/dpu", "dpu"),
            ("drivers/gpu/drm", "drm", "drm"),
            ("drivers/gpu/drm/panel", "drm/panel", "panel"),
            ("drivers/gpu/drm/bridge", "drm/bridge", "bridge"),
        ],
        stems: DRM_STEMS,
        extra: &[
            "include/drm/drm_gem.h",
            "include/drm/drm_atomic.h",
            "include/uapi/drm/amdgpu_drm.h",
        ],
    },
    SubsysSpec {
        name: "memory management",
        next_tree: None,
        fixes_tree: Some("mm-hotfixes"),
        weight: 8,
        dirs: &[
            ("mm", "mm", "mm"),
            ("mm/damon", "mm/damon", "damon"),
            ("mm/kasan", "kasan", "kasan"),
        ],
        stems: MM_STEMS,
        extra: &[
            "include/linux/mm.h", "include/linux/mm_types.h", "include/linux/huge_mm.h",
            "include/linux/memcontrol.h", "include/linux/gfp.h",
        ],
    },
    SubsysSpec {
        name: "filesystems",
        next_tree: None,
        fixes_tree: None,
        weight: 8,
        dirs: &[
            ("fs/ext4", "ext4", "ext4"),
            ("fs/btrfs", "btrfs", "btrfs"),
            ("fs/xfs", "xfs", "xfs"),
            ("fs/f2fs", "f2fs", "f2fs"),
            ("fs/nfs", "NFS", "nfs"),
            ("fs/nfsd", "nfsd", "nfsd"),
            ("fs/smb/client", "smb: client", "cifs"),
            ("fs", "fs", "vfs"),
            ("fs/iomap", "iomap", "iomap"),
        ],
        stems: FS_STEMS,
        extra: &[
            "include/linux/fs.h",
            "include/linux/iomap.h",
            "include/uapi/linux/fs.h",
        ],
    },
    SubsysSpec {
        name: "scheduler",
        next_tree: None,
        fixes_tree: None,
        weight: 4,
        dirs: &[
            ("kernel/sched", "sched/fair", "sched"),
            ("kernel/sched", "sched/core", "sched"),
        ],
        stems: SCHED_STEMS,
        extra: &["include/linux/sched.h", "include/linux/sched/topology.h"],
    },
    SubsysSpec {
        name: "x86 and kvm",
        next_tree: None,
        fixes_tree: None,
        weight: 7,
        dirs: &[
            ("arch/x86/kernel", "x86", "x86"),
            ("arch/x86/mm", "x86/mm", "x86"),
            ("arch/x86/kvm", "KVM: x86", "kvm"),
            ("arch/x86/kvm/vmx", "KVM: VMX", "vmx"),
            ("arch/x86/kvm/svm", "KVM: SVM", "svm"),
            ("arch/x86/events/intel", "perf/x86/intel", "intel_pmu"),
        ],
        stems: X86_STEMS,
        extra: &[
            "arch/x86/include/asm/processor.h", "arch/x86/include/asm/cpufeatures.h",
            "arch/x86/include/asm/kvm_host.h", "arch/x86/Kconfig",
        ],
    },
    SubsysSpec {
        name: "arm64",
        next_tree: None,
        fixes_tree: None,
        weight: 5,
        dirs: &[
            ("arch/arm64/kernel", "arm64", "arm64"),
            ("arch/arm64/mm", "arm64: mm", "arm64"),
            ("arch/arm64/kvm", "KVM: arm64", "kvm_arm"),
        ],
        stems: ARM_STEMS,
        extra: &[
            "arch/arm64/include/asm/cpufeature.h",
            "arch/arm64/include/asm/kvm_host.h",
        ],
    },
    SubsysSpec {
        name: "device trees",
        next_tree: None,
        fixes_tree: None,
        weight: 6,
        dirs: &[
            ("arch/arm64/boot/dts/qcom", "arm64: dts: qcom", "qcom"),
            ("arch/arm64/boot/dts/freescale", "arm64: dts: imx8mp", "imx"),
            (
                "arch/arm64/boot/dts/rockchip",
                "arm64: dts: rockchip",
                "rockchip",
            ),
            (
                "arch/arm64/boot/dts/mediatek",
                "arm64: dts: mediatek",
                "mediatek",
            ),
            ("arch/arm64/boot/dts/ti", "arm64: dts: ti: k3", "ti"),
            (
                "Documentation/devicetree/bindings/arm",
                "dt-bindings: arm",
                "dt",
            ),
        ],
        stems: DTS_STEMS,
        extra: &[],
    },
    SubsysSpec {
        name: "usb",
        next_tree: None,
        fixes_tree: None,
        weight: 5,
        dirs: &[
            ("drivers/usb/dwc3", "usb: dwc3", "dwc3"),
            ("drivers/usb/host", "usb: xhci", "xhci"),
            ("drivers/usb/core", "usb: core", "usb"),
            ("drivers/usb/typec/ucsi", "usb: typec: ucsi", "ucsi"),
            ("drivers/usb/gadget/function", "usb: gadget", "gadget"),
        ],
        stems: USB_STEMS,
        extra: &["include/linux/usb.h", "include/linux/usb/gadget.h"],
    },
    SubsysSpec {
        name: "iio",
        next_tree: None,
        fixes_tree: None,
        weight: 4,
        dirs: &[
            ("drivers/iio/adc", "iio: adc", "adc"),
            ("drivers/iio/imu", "iio: imu", "imu"),
            ("drivers/iio/pressure", "iio: pressure", "press"),
            ("drivers/iio", "iio: core", "iio"),
            (
                "Documentation/devicetree/bindings/iio/adc",
                "dt-bindings: iio: adc",
                "dt",
            ),
        ],
        stems: IIO_STEMS,
        extra: &["include/linux/iio/iio.h", "include/linux/iio/buffer.h"],
    },
    SubsysSpec {
        name: "sound",
        next_tree: None,
        fixes_tree: None,
        weight: 5,
        dirs: &[
            ("sound/soc/codecs", "ASoC: codecs", "snd_soc"),
            ("sound/soc", "ASoC: soc-core", "snd_soc"),
            ("sound/pci/hda", "ALSA: hda/realtek", "snd_hda"),
            ("sound/soc/sof", "ASoC: SOF", "sof"),
        ],
        stems: SOUND_STEMS,
        extra: &["include/sound/soc.h", "include/sound/pcm.h"],
    },
    SubsysSpec {
        name: "block, nvme, md and io_uring",
        next_tree: None,
        fixes_tree: None,
        weight: 6,
        dirs: &[
            ("block", "block", "blk"),
            ("drivers/nvme/host", "nvme", "nvme"),
            ("drivers/block", "block", "blkdev"),
            ("drivers/md", "md", "md"),
            ("io_uring", "io_uring", "io"),
        ],
        stems: BLOCK_STEMS,
        extra: &[
            "include/linux/blkdev.h",
            "include/linux/blk-mq.h",
            "include/linux/nvme.h",
        ],
    },
    SubsysSpec {
        name: "scsi and ata",
        next_tree: None,
        fixes_tree: None,
        weight: 4,
        dirs: &[
            ("drivers/ufs/core", "scsi: ufs: core", "ufshcd"),
            ("drivers/ufs/host", "scsi: ufs: qcom", "ufs"),
            ("drivers/scsi", "scsi: core", "scsi"),
            ("drivers/scsi/lpfc", "scsi: lpfc", "lpfc"),
            ("drivers/ata", "ata: libata", "ata"),
        ],
        stems: SCSI_STEMS,
        extra: &["include/scsi/scsi_host.h", "include/ufs/ufshcd.h"],
    },
    SubsysSpec {
        name: "pci",
        next_tree: None,
        fixes_tree: None,
        weight: 3,
        dirs: &[("drivers/pci", "PCI", "pci")],
        stems: PCI_STEMS,
        extra: &["include/linux/pci.h", "include/linux/pci_ids.h"],
    },
    SubsysSpec {
        name: "rust",
        next_tree: None,
        fixes_tree: None,
        weight: 2,
        dirs: &[("rust/kernel", "rust", "kernel")],
        stems: RUST_STEMS,
        extra: &["rust/bindings/bindings_helper.h", "rust/helpers/helpers.c"],
    },
    SubsysSpec {
        name: "selftests",
        next_tree: None,
        fixes_tree: None,
        weight: 4,
        dirs: &[
            ("tools/testing/selftests/bpf", "selftests/bpf", "test"),
            ("tools/testing/selftests/net", "selftests: net", "test"),
            ("tools/testing/selftests/mm", "selftests/mm", "test"),
            ("tools/testing/selftests/kvm", "KVM: selftests", "test"),
        ],
        stems: SELFTEST_STEMS,
        extra: &["tools/testing/selftests/kselftest.h"],
    },
    SubsysSpec {
        name: "documentation",
        next_tree: None,
        fixes_tree: None,
        weight: 3,
        dirs: &[
            ("Documentation/networking", "docs: networking", "doc"),
            ("Documentation/process", "Documentation: process", "doc"),
            ("Documentation/admin-guide", "docs: admin-guide", "doc"),
            (
                "Documentation/devicetree/bindings/net",
                "dt-bindings: net",
                "dt",
            ),
        ],
        stems: DOC_STEMS,
        extra: &["MAINTAINERS"],
    },
    SubsysSpec {
        name: "kbuild and scripts",
        next_tree: None,
        fixes_tree: None,
        weight: 2,
        dirs: &[
            ("scripts", "kbuild", "kbuild"),
            ("scripts", "checkpatch", "checkpatch"),
        ],
        stems: SCRIPTS_STEMS,
        extra: &["Makefile", "scripts/Makefile.build", "init/Kconfig"],
    },
    SubsysSpec {
        name: "device tree bindings",
        next_tree: None,
        fixes_tree: None,
        weight: 3,
        dirs: &[
            (
                "Documentation/devicetree/bindings/pci",
                "dt-bindings: PCI",
                "dt",
            ),
            (
                "Documentation/devicetree/bindings/usb",
                "dt-bindings: usb",
                "dt",
            ),
            (
                "Documentation/devicetree/bindings/net",
                "dt-bindings: net",
                "dt",
            ),
        ],
        stems: BINDING_STEMS,
        extra: &["MAINTAINERS"],
    },
];

/// (first names, last names, time zones in minutes east of UTC, share of
/// people with this background in the population weight).
type Culture = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [i32],
    u32,
);

#[rustfmt::skip]
static CULTURES: &[Culture] = &[
    (
        &[
            "James", "John", "Robert", "Michael", "David", "William", "Richard", "Thomas", "Chris",
            "Daniel", "Matthew", "Andrew", "Mark", "Paul", "Steven", "Kevin", "Brian", "Jason",
            "Eric", "Greg", "Jeff", "Jonathan", "Josh", "Ryan", "Sarah", "Jessica", "Emily",
            "Laura", "Rachel", "Karen", "Linda", "Susan", "Amy", "Kees", "Sean", "Nathan", "Ian",
            "Dave", "Tim", "Ben", "Sam", "Alex", "Jake", "Peter", "Simon", "Will", "Randy",
        ],
        &[
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
            "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "White", "Harris",
            "Clark", "Lewis", "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott",
            "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
            "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart",
            "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey",
            "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
            "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross",
        ],
        &[-480, -420, -360, -300, -240, 0, 60, 600],
        30,
    ),
    (
        &[
            "Jörg", "Jürgen", "Günter", "Thomas", "Andreas", "Stefan", "Michael", "Matthias", "Uwe",
            "Wolfgang", "Frank", "Sebastian", "Tobias", "Florian", "Lukas", "Jan", "Ralf", "Björn",
            "Jens", "Sven", "Anja", "Katrin", "Sabine", "Jörn", "Holger", "Maximilian",
        ],
        &[
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
            "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner",
            "Krause", "Lehmann", "Köhler", "Weiß", "Kleine-König", "Rödel", "Großmann", "Weißschuh",
        ],
        &[60, 120],
        12,
    ),
    (
        &[
            "François", "Jérôme", "Stéphane", "Hervé", "Benoît", "Frédéric", "Sébastien", "Grégory",
            "Julien", "Nicolas", "Pierre", "Mathieu", "Clément", "Amélie", "Hélène", "Céline",
            "Théo", "Rémi",
        ],
        &[
            "Dupont", "Lefèvre", "Moreau", "Girard", "Roussel", "Mercier", "Bonnet", "Fournier",
            "Lambert", "Fontaine", "Chevalier", "Rivière", "Gauthier", "Perrin", "Ménard", "Bérard",
            "Lemoine", "Faure",
        ],
        &[60, 120],
        6,
    ),
    (
        &[
            "Jarkko", "Ilpo", "Mika", "Antti", "Heikki", "Kalle", "Ville", "Sakari", "Jyri",
            "Tuomas", "Björn", "Håkon", "Øyvind", "Ove", "Linus", "Magnus",
        ],
        &[
            "Järvinen", "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine",
            "Heikkinen", "Lindqvist", "Sjöberg", "Åberg", "Nørgaard", "Lindström", "Ekström",
        ],
        &[60, 120, 180],
        4,
    ),
    (
        &[
            "Paweł", "Krzysztof", "Michał", "Łukasz", "Wojciech", "Tomasz", "Piotr", "Jiří",
            "Tomáš", "Petr", "Jakub", "Marek", "Ondřej",
        ],
        &[
            "Wilczyński", "Kowalski", "Nowak", "Wiśniewski", "Zieliński", "Kamiński", "Dvořák",
            "Novák", "Černý", "Procházka", "Lewandowski", "Szymański",
        ],
        &[60, 120],
        4,
    ),
    (
        &[
            "José", "Javier", "Alejandro", "Miguel", "Sergio", "João", "Luís", "André", "María",
            "Inês", "Raúl", "Andrés",
        ],
        &[
            "García", "Martínez", "López", "González", "Fernández", "Rodríguez", "Sánchez", "Pérez",
            "Gómez", "Conceição", "Álvarez", "Muñoz",
        ],
        &[60, -180, -300],
        4,
    ),
    (
        &[
            "Wei", "Jun", "Hao", "Lei", "Jie", "Yang", "Xin", "Yu", "Ming", "Qiang", "Jian",
            "Xiaoming", "Zhiqiang", "Yanfei", "Haibo", "Chunyan", "Kaixin", "Zhen",
        ],
        &[
            "Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo",
        ],
        &[480],
        14,
    ),
    (
        &[
            "Hiroshi", "Takashi", "Kenji", "Masahiro", "Yoshihiro", "Kazuhiro", "Naoya", "Takahiro",
            "Akira", "Yuki", "Kuninori", "Hidetoshi",
        ],
        &[
            "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
            "Kobayashi", "Kato", "Morimoto", "Matsumoto",
        ],
        &[540],
        4,
    ),
    (
        &[
            "Rahul", "Amit", "Vijay", "Sandeep", "Anil", "Suresh", "Rajesh", "Ravi", "Prashant",
            "Srinivas", "Ankit", "Pooja", "Priya", "Deepak", "Sanjay", "Naveen", "Shradha",
        ],
        &[
            "Kumar", "Sharma", "Singh", "Patel", "Gupta", "Reddy", "Rao", "Iyer", "Nair",
            "Agarwal", "Joshi", "Mehta", "Shetty", "Bhat",
        ],
        &[330],
        9,
    ),
    (
        &[
            "Jae-hyun", "Min-jun", "Seung-woo", "Ji-hoon", "Dong-hyun", "Hyunwoo",
        ],
        &["Kim", "Lee", "Park", "Choi", "Jung", "Kang"],
        &[540],
        3,
    ),
    (
        &[
            "Dmitry", "Alexey", "Sergey", "Andrey", "Ivan", "Mikhail", "Vladimir", "Oleksandr",
            "Yury", "Konstantin", "Nikolay", "Oleksij",
        ],
        &[
            "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasilev", "Petrov", "Sokolov", "Mikhailov",
            "Novikov", "Fedorov", "Shevchenko", "Kovalenko",
        ],
        &[120, 180],
        5,
    ),
    (
        &[
            "Marco", "Luca", "Giuseppe", "Francesco", "Alessandro", "Andrea", "Matteo", "Paolo",
            "Stefano",
        ],
        &[
            "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco",
        ],
        &[60, 120],
        5,
    ),
];

/// Names written in their own script, used as-is (sent as RFC 2047 words).
#[rustfmt::skip]
static CJK_NAMES: &[(&str, &str)] = &[
    ("张伟", "zhangwei"),
    ("王芳", "wangfang"),
    ("李娜", "lina"),
    ("刘洋", "liuyang"),
    ("陈杰", "chenjie"),
    ("杨磊", "yanglei"),
    ("黄勇", "huangyong"),
    ("赵静", "zhaojing"),
];

#[rustfmt::skip]
static DOMAINS: &[(&str, u32)] = &[
    ("example.com", 10),
    ("example.org", 8),
    ("example.net", 6),
    ("corp.example.com", 9),
    ("chip.example.com", 8),
    ("silicon.example.net", 6),
    ("kernel.example.org", 5),
    ("linux.example.com", 6),
    ("oss.example.com", 5),
    ("cloud.example.org", 4),
    ("gmail.example.com", 10),
    ("foss.example.net", 3),
    ("embedded.example.org", 4),
    ("lab.example.net", 3),
    ("research.example.org", 2),
    ("mail.example.com", 3),
];

#[rustfmt::skip]
static MIDDLE_INITIALS: &[&str] = &[
    "A.", "B.", "C.", "D.", "E.", "J.", "K.", "M.", "P.", "R.", "S.", "T.",
];

/// Transliterate to ASCII for the local part of an address.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let r: &str = match c {
            'ä' | 'á' | 'à' | 'â' | 'å' | 'Ä' | 'Á' | 'Å' => "a",
            'ö' | 'ó' | 'ô' | 'ø' | 'Ö' | 'Ø' => "o",
            'ü' | 'ú' | 'Ü' => "u",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'ě' => "e",
            'í' | 'î' | 'ï' => "i",
            'ç' | 'č' | 'Č' => "c",
            'ñ' | 'ń' => "n",
            'ß' => "ss",
            'ł' | 'Ł' => "l",
            'ś' | 'š' => "s",
            'ż' | 'ź' | 'ž' => "z",
            'ř' => "r",
            'ý' => "y",
            '-' | ' ' | '.' | '\'' => "",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "",
        };
        out.push_str(r);
    }
    out
}

impl World {
    pub fn new(seed: u64, list_name: &str) -> World {
        let mut rng = Rng::of(seed, 0x0077_6f72_6c64);
        let list_host = "lists.example.org".to_string();
        let mut world = World {
            people: Vec::new(),
            cum_activity: Vec::new(),
            subsystems: Vec::new(),
            files: Vec::new(),
            ci_bot: 0,
            pr_bot: 0,
            patch_bot: 0,
            linus: 0,
            list_name: list_name.to_string(),
            list_addr: format!("{list_name}@{list_host}"),
            list_id: format!("{list_name}.{list_host}"),
            list_host,
        };
        world.build_tree(&mut rng);
        world.build_people(&mut rng);
        world
    }

    fn build_tree(&mut self, rng: &mut Rng) {
        for spec in SUBSYS_SPECS {
            let mut dirs = Vec::new();
            for &(path, tag, ident) in spec.dirs {
                let mut files = Vec::new();
                let n = rng.range(8, 22).min(spec.stems.len() as u64) as usize;
                // A distinct subset of stems per directory, in a stable order.
                let mut stems: Vec<&str> = spec.stems.to_vec();
                for i in 0..n {
                    let j = i + rng.below_usize(stems.len() - i);
                    stems.swap(i, j);
                }
                for stem in &stems[..n] {
                    for (p, lang) in paths_for(path, stem, rng) {
                        files.push(self.files.len() as u32);
                        self.files.push(SrcFile {
                            path: p,
                            lang,
                            ident,
                        });
                    }
                }
                if path.starts_with("drivers/") || path.starts_with("sound/") {
                    for (name, lang) in [("Makefile", Lang::Make), ("Kconfig", Lang::Kconfig)] {
                        files.push(self.files.len() as u32);
                        self.files.push(SrcFile {
                            path: format!("{path}/{name}"),
                            lang,
                            ident,
                        });
                    }
                }
                dirs.push(Dir {
                    path,
                    tag,
                    ident,
                    files,
                });
            }
            let mut extra_files = Vec::new();
            for &p in spec.extra {
                extra_files.push(self.files.len() as u32);
                self.files.push(SrcFile {
                    path: p.to_string(),
                    lang: lang_of(p),
                    ident: spec.dirs[0].2,
                });
            }
            let git_url = format!(
                "git://git.example.org/pub/scm/linux/kernel/git/{}/{}.git",
                ascii_fold(spec.dirs[0].2),
                spec.next_tree.unwrap_or(spec.dirs[0].2)
            );
            self.subsystems.push(Subsys {
                name: spec.name,
                next_tree: spec.next_tree,
                fixes_tree: spec.fixes_tree,
                dirs,
                extra_files,
                maintainers: Vec::new(),
                reviewers: Vec::new(),
                weight: spec.weight,
                git_url,
            });
        }
    }

    fn build_people(&mut self, rng: &mut Rng) {
        let weights: Vec<u32> = CULTURES.iter().map(|c| c.3).collect();
        let sub_weights: Vec<u32> = self.subsystems.iter().map(|s| s.weight).collect();
        let domain_weights: Vec<u32> = DOMAINS.iter().map(|d| d.1).collect();
        let mut seen = std::collections::HashSet::new();
        const PEOPLE: usize = 3000;
        for i in 0..PEOPLE {
            let (name, first, local_base, tz) = if rng.chance(0.006) {
                let &(n, l) = rng.pick(CJK_NAMES);
                (n.to_string(), n.to_string(), l.to_string(), 480)
            } else {
                let ci = rng.weighted(&weights);
                let c = &CULTURES[ci];
                let first = rng.one(c.0);
                let last = rng.one(c.1);
                let tz = *rng.pick(c.2);
                // "David S. Miller": a '.' in a display name forces quoting.
                let name = if ci == 0 && rng.chance(0.06) {
                    format!("{first} {} {last}", rng.one(MIDDLE_INITIALS))
                } else {
                    format!("{first} {last}")
                };
                let f = ascii_fold(first);
                let l = ascii_fold(last);
                let local = match rng.below(5) {
                    0 => format!("{f}.{l}"),
                    1 => format!("{}{l}", &f[..1.min(f.len())]),
                    2 => f.clone(),
                    3 => format!("{f}{}", &l[..1.min(l.len())]),
                    _ => format!("{f}.{l}"),
                };
                (name, first.to_string(), local, tz)
            };
            let domain = DOMAINS[rng.weighted(&domain_weights)].0;
            let mut email = format!("{local_base}@{domain}");
            let mut k = 2;
            while !seen.insert(email.clone()) {
                email = format!("{local_base}{k}@{domain}");
                k += 1;
            }
            let alt_email = rng
                .chance(0.08)
                .then(|| format!("{local_base}@gmail.example.com"));
            let sender = if rng.chance(0.3) {
                Sender::B4
            } else {
                Sender::SendEmail
            };
            let client = match rng.weighted(&[45, 25, 20, 10]) {
                0 => Client::Mutt,
                1 => Client::Gmail,
                2 => Client::Thunderbird,
                _ => Client::Gnus,
            };
            let subsys = rng.weighted(&sub_weights);
            self.people.push(Person {
                name,
                email,
                alt_email,
                tz,
                sender,
                client,
                subsys,
                first,
                trailers_first: i % 2 == 0,
                qp_prone: rng.chance(0.06),
            });
        }
        // Zipf-like activity: a few people write most of the mail.
        let mut acc = 0u64;
        for i in 0..PEOPLE as u64 {
            acc += 1_000_000 / (i + 8);
            self.cum_activity.push(acc);
        }
        // Maintainers come from the most active people of each subsystem.
        for s in 0..self.subsystems.len() {
            let members: Vec<u32> = (0..PEOPLE as u32)
                .filter(|&p| self.people[p as usize].subsys == s)
                .collect();
            let nm = rng.range(2, 4) as usize;
            let nr = rng.range(2, 6) as usize;
            self.subsystems[s].maintainers = members.iter().take(nm).copied().collect();
            self.subsystems[s].reviewers = members.iter().skip(nm).take(nr).copied().collect();
        }
        let bot = |name: &str, email: &str| Person {
            name: name.to_string(),
            email: email.to_string(),
            alt_email: None,
            tz: 0,
            sender: Sender::SendEmail,
            client: Client::Bot,
            subsys: 0,
            first: name.to_string(),
            trailers_first: false,
            qp_prone: false,
        };
        self.ci_bot = self.people.len() as u32;
        self.people
            .push(bot("bench CI bot", "ci-bot@ci.example.org"));
        self.pr_bot = self.people.len() as u32;
        self.people
            .push(bot("pr-tracker-bot", "pr-tracker-bot@example.org"));
        self.patch_bot = self.people.len() as u32;
        self.people
            .push(bot("patchwork-bot", "patchwork-bot@example.org"));
        self.linus = 0;
    }

    /// A person drawn by activity (the heavy hitters write most mail).
    pub fn active_person(&self, rng: &mut Rng) -> u32 {
        let total = *self.cum_activity.last().expect("people are built");
        let x = rng.below(total);
        self.cum_activity.partition_point(|&c| c <= x) as u32
    }

    /// Someone working on subsystem `s`, by activity.
    pub fn person_in(&self, s: usize, rng: &mut Rng) -> u32 {
        for _ in 0..64 {
            let p = self.active_person(rng);
            if self.people[p as usize].subsys == s {
                return p;
            }
        }
        self.active_person(rng)
    }

    pub fn person(&self, id: u32) -> &Person {
        &self.people[id as usize]
    }
}

/// The language of a path, by its name.
pub fn lang_of(path: &str) -> Lang {
    let base = path.rsplit('/').next().unwrap_or(path);
    if base == "Makefile" || base.starts_with("Makefile.") || base == "Kbuild" {
        Lang::Make
    } else if base.starts_with("Kconfig") {
        Lang::Kconfig
    } else if base.ends_with(".h") {
        Lang::Header
    } else if base.ends_with(".rst") || base == "MAINTAINERS" {
        Lang::Rst
    } else if base.ends_with(".yaml") {
        Lang::Yaml
    } else if base.ends_with(".sh") {
        Lang::Shell
    } else if base.ends_with(".py") || base.ends_with(".pl") {
        Lang::Python
    } else if base.ends_with(".dts") || base.ends_with(".dtsi") {
        Lang::Dts
    } else if base.ends_with(".rs") {
        Lang::Rust
    } else {
        Lang::C
    }
}

/// The files a stem stands for in a directory (a `.c` often has a `.h`).
fn paths_for(dir: &str, stem: &str, rng: &mut Rng) -> Vec<(String, Lang)> {
    if dir.starts_with("Documentation/devicetree") {
        return vec![(format!("{dir}/{stem}.yaml"), Lang::Yaml)];
    }
    if dir.starts_with("Documentation") {
        return vec![(format!("{dir}/{stem}.rst"), Lang::Rst)];
    }
    if dir.contains("/boot/dts/") {
        let ext = if rng.chance(0.5) { "dtsi" } else { "dts" };
        return vec![(format!("{dir}/{stem}.{ext}"), Lang::Dts)];
    }
    if dir.starts_with("rust/") {
        return vec![(format!("{dir}/{stem}.rs"), Lang::Rust)];
    }
    if dir == "scripts" {
        let p = format!("{dir}/{stem}");
        if stem.starts_with("Makefile") || stem.starts_with("Kbuild") {
            return vec![(p, Lang::Make)];
        }
        return match hash2(stem.len() as u64, u64::from(stem.as_bytes()[0])) % 3 {
            0 => vec![(format!("{p}.py"), Lang::Python)],
            1 => vec![(format!("{p}.sh"), Lang::Shell)],
            _ => vec![(format!("{p}.c"), Lang::C)],
        };
    }
    if dir.starts_with("tools/testing/selftests") && rng.chance(0.4) {
        return vec![(format!("{dir}/{stem}.sh"), Lang::Shell)];
    }
    let mut v = vec![(format!("{dir}/{stem}.c"), Lang::C)];
    if rng.chance(0.35) {
        v.push((format!("{dir}/{stem}.h"), Lang::Header));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_is_sizeable_and_stable() {
        let a = World::new(1, "bench");
        let b = World::new(1, "bench");
        assert!(a.files.len() > 1500, "{} files", a.files.len());
        assert_eq!(a.files.len(), b.files.len());
        assert_eq!(a.people[17].email, b.people[17].email);
        assert!(a.subsystems.iter().all(|s| !s.maintainers.is_empty()));
    }

    #[test]
    fn fold_names() {
        assert_eq!(ascii_fold("Jörg Rödel"), "jorgrodel");
        assert_eq!(ascii_fold("Weißschuh"), "weissschuh");
    }
}
