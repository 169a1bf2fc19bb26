#[zokio::main(name = "  ")]
async fn main() {}
