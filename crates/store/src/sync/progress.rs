//! What a clone or fetch is doing right now, for a progress display.
//!
//! gix reports through prodash's `Progress` traits, from the thread doing the
//! work; a [`Meter`] keeps the stage (which epoch, fetching or cloning) and
//! the latest task gix started (receiving the pack, resolving objects) with
//! its live counter, where another thread (the CLI's bars) can read them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use gix::progress::{Id, MessageLevel, Step, StepShared, UNKNOWN, Unit};

/// Shared, cheap to clone; one per inbox being synced.
#[derive(Clone, Default)]
pub struct Meter {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    stage: Mutex<String>,
    task: Mutex<Option<Task>>,
}

#[derive(Clone)]
struct Task {
    name: String,
    step: StepShared,
    max: Option<Step>,
    unit: Option<Unit>,
}

/// A poisoned lock only means a reporter panicked mid-update; the text it
/// guards is still fine to show.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Meter {
    pub fn new() -> Meter {
        Meter::default()
    }

    /// Names what happens next ("fetching 3", "cloning 4"); forgets the last task.
    pub fn set_stage(&self, stage: impl Into<String>) {
        *lock(&self.shared.stage) = stage.into();
        *lock(&self.shared.task) = None;
    }

    /// One line for a display: the stage and the current task's progress.
    pub fn line(&self) -> String {
        let stage = lock(&self.shared.stage).clone();
        let task = lock(&self.shared.task).clone();
        match task {
            None => stage,
            Some(t) => {
                let step = t.step.load(Ordering::Relaxed);
                let value = match &t.unit {
                    // gix labels byte counts "B" (its human-readable
                    // units are a feature putt does not build).
                    Some(unit) if unit_label(unit, step) == "B" => match t.max {
                        Some(max) => format!("{} of {}", bytes(step), bytes(max)),
                        None => bytes(step),
                    },
                    Some(unit) => unit.display(step, t.max, None).to_string(),
                    None => match t.max {
                        Some(max) => format!("{step}/{max}"),
                        None => step.to_string(),
                    },
                };
                format!("{stage}: {} {value}", t.name)
            }
        }
    }

    /// The root progress handed to gix.
    pub(crate) fn item(&self) -> Item {
        Item {
            shared: self.shared.clone(),
            name: String::new(),
            step: Arc::new(AtomicUsize::new(0)),
            max: None,
            unit: None,
        }
    }
}

fn unit_label(unit: &Unit, step: Step) -> String {
    let mut label = String::new();
    let _ = unit.as_display_value().display_unit(&mut label, step);
    label
}

/// `12.3 MB`.
fn bytes(n: Step) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

/// One node of gix's progress tree; every node that starts counting
/// (`init`) becomes the meter's current task.
pub(crate) struct Item {
    shared: Arc<Shared>,
    name: String,
    step: StepShared,
    max: Option<Step>,
    unit: Option<Unit>,
}

impl Item {
    fn child(&self, name: String) -> Item {
        Item {
            shared: self.shared.clone(),
            name,
            step: Arc::new(AtomicUsize::new(0)),
            max: None,
            unit: None,
        }
    }

    fn publish(&self) {
        *lock(&self.shared.task) = Some(Task {
            name: self.name.clone(),
            step: self.step.clone(),
            max: self.max,
            unit: self.unit.clone(),
        });
    }
}

impl gix::Count for Item {
    fn set(&self, step: Step) {
        self.step.store(step, Ordering::Relaxed);
    }

    fn step(&self) -> Step {
        self.step.load(Ordering::Relaxed)
    }

    fn inc_by(&self, step: Step) {
        self.step.fetch_add(step, Ordering::Relaxed);
    }

    fn counter(&self) -> StepShared {
        self.step.clone()
    }
}

impl gix::Progress for Item {
    fn init(&mut self, max: Option<Step>, unit: Option<Unit>) {
        self.max = max;
        self.unit = unit;
        self.step.store(0, Ordering::Relaxed);
        if self.max.is_some() || self.unit.is_some() {
            self.publish();
        }
    }

    fn unit(&self) -> Option<Unit> {
        self.unit.clone()
    }

    fn max(&self) -> Option<Step> {
        self.max
    }

    fn set_max(&mut self, max: Option<Step>) -> Option<Step> {
        let old = std::mem::replace(&mut self.max, max);
        self.publish();
        old
    }

    fn set_name(&mut self, name: String) {
        self.name = name;
    }

    fn name(&self) -> Option<String> {
        Some(self.name.clone())
    }

    fn id(&self) -> Id {
        UNKNOWN
    }

    fn message(&self, _level: MessageLevel, _message: String) {}
}

impl gix::NestedProgress for Item {
    type SubProgress = Item;

    fn add_child(&mut self, name: impl Into<String>) -> Item {
        self.child(name.into())
    }

    fn add_child_with_id(&mut self, name: impl Into<String>, _id: Id) -> Item {
        self.child(name.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gix::{Count, NestedProgress, Progress};

    #[test]
    fn the_latest_counting_task_is_shown_with_its_stage() {
        let meter = Meter::new();
        meter.set_stage("fetching 3");
        assert_eq!(meter.line(), "fetching 3");
        let mut root = meter.item();
        let mut objects = root.add_child("resolving");
        objects.init(Some(10), None);
        objects.inc_by(4);
        assert_eq!(meter.line(), "fetching 3: resolving 4/10");
        let mut pack = meter.item().add_child("receiving");
        pack.init(None, gix::progress::bytes());
        pack.inc_by(12_345_678);
        assert_eq!(meter.line(), "fetching 3: receiving 12.3 MB");
        meter.set_stage("cloning 4");
        assert_eq!(meter.line(), "cloning 4");
    }
}
