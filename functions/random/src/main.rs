//! Lambda function for the `random` endpoint group (filled by the serving issue).
fn main() {}
