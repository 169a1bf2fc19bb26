//! Bad attribute arguments must give a spanned compile error, never a silent fallback.

#[test]
fn bad_arguments_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
