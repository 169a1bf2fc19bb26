//! The attributes through the compiler: bad arguments must give a spanned compile error, never a
//! silent fallback (`tests/ui`), and every valid form must compile and run (`tests/ui-pass`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
