#[zokio::test]
async fn a_test(x: u32) {
    let _ = x;
}

fn main() {}
