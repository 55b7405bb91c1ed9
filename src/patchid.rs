//! TEMPORARY placeholder until branch `subject` merges.
pub fn patch_id_stable(_t: &str) -> Option<String> {
    None
}
