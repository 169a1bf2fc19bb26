#[zokio::main(unhandled_panic = "abort")]
async fn main() {}
