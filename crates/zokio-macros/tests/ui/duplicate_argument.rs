#[zokio::test(flavor = "current_thread", flavor = "multi_thread")]
async fn a_test() {}

fn main() {}
