//! Lambda function for the `recommend` endpoint group (filled by the serving issue).
fn main() {}
