#[zokio::test]
struct NotAFunction;

fn main() {}
