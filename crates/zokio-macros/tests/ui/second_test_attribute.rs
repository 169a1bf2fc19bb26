#[zokio::test]
#[test]
async fn a_test() {}

fn main() {}
