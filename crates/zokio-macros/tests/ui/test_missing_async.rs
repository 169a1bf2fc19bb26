#[zokio::test]
fn a_test() {}

fn main() {}
