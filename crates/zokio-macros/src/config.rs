//! Parsing and checking the attribute arguments.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, MetaNameValue, Token};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<(usize, Span)>,
    pub(crate) start_paused: bool,
    pub(crate) crate_path: syn::Path,
    /// `name = "..."`: the runtime's name.
    pub(crate) name: Option<syn::LitStr>,
    /// `unhandled_panic = "..."`: the `UnhandledPanic` variant to configure.
    pub(crate) unhandled_panic: Option<(syn::Ident, Span)>,
}

impl Config {
    pub(crate) fn parse(args: proc_macro2::TokenStream, default: Flavor) -> syn::Result<Config> {
        let parser = Punctuated::<MetaNameValue, Token![,]>::parse_terminated;
        let args = parser.parse2(args)?;
        let mut flavor = None;
        let mut worker_threads = None;
        let mut start_paused = None;
        // Where `start_paused = true` was written, for the flavor check below.
        let mut start_paused_span = None;
        let mut crate_path = None;
        let mut name_arg = None;
        let mut unhandled_panic = None;
        for arg in args {
            let name = arg
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let span = syn::spanned::Spanned::span(&arg.value);
            match name.as_str() {
                "flavor" => {
                    check_unset(flavor.is_some(), &arg)?;
                    let value = lit_str(&arg.value)?;
                    let parsed = match value.as_str() {
                        "current_thread" => Flavor::CurrentThread,
                        "multi_thread" => Flavor::MultiThread,
                        other => {
                            return Err(syn::Error::new(
                                span,
                                format!(
                                    "unknown flavor `{other}`: expected `current_thread` or `multi_thread`"
                                ),
                            ));
                        }
                    };
                    flavor = Some(parsed);
                }
                "worker_threads" => {
                    check_unset(worker_threads.is_some(), &arg)?;
                    let n = lit_int(&arg.value)?;
                    if n == 0 {
                        return Err(syn::Error::new(
                            span,
                            "`worker_threads` must be greater than 0",
                        ));
                    }
                    worker_threads = Some((n, span));
                }
                "start_paused" => {
                    check_unset(start_paused.is_some(), &arg)?;
                    let paused = lit_bool(&arg.value)?;
                    start_paused = Some(paused);
                    if paused {
                        start_paused_span = Some(span);
                    }
                }
                "crate" => {
                    check_unset(crate_path.is_some(), &arg)?;
                    let path = lit_str(&arg.value)?;
                    crate_path = Some(syn::parse_str::<syn::Path>(&path).map_err(|_| {
                        syn::Error::new(span, format!("`{path}` is not a valid path"))
                    })?);
                }
                "name" => {
                    check_unset(name_arg.is_some(), &arg)?;
                    let value = lit_str(&arg.value)?;
                    if value.trim().is_empty() {
                        return Err(syn::Error::new(span, "the runtime name must not be empty"));
                    }
                    name_arg = Some(syn::LitStr::new(&value, span));
                }
                "unhandled_panic" => {
                    check_unset(unhandled_panic.is_some(), &arg)?;
                    let variant = match lit_str(&arg.value)?.as_str() {
                        "ignore" => "Ignore",
                        "shutdown_runtime" => "ShutdownRuntime",
                        other => {
                            return Err(syn::Error::new(
                                span,
                                format!(
                                    "unknown `unhandled_panic` behaviour `{other}`: expected \
                                     `ignore` or `shutdown_runtime`"
                                ),
                            ));
                        }
                    };
                    unhandled_panic = Some((syn::Ident::new(variant, span), span));
                }
                _ => {
                    return Err(syn::Error::new_spanned(
                        &arg.path,
                        "unknown attribute argument: expected `flavor`, `worker_threads`, \
                         `start_paused`, `name`, `unhandled_panic` or `crate`",
                    ));
                }
            }
        }
        let flavor_value = flavor.unwrap_or(default);
        if let (Flavor::CurrentThread, Some((_, span))) = (flavor_value, worker_threads) {
            return Err(syn::Error::new(
                span,
                "`worker_threads` is only valid with `flavor = \"multi_thread\"`",
            ));
        }
        if let (Flavor::MultiThread, Some(span)) = (flavor_value, start_paused_span) {
            return Err(syn::Error::new(
                span,
                "`start_paused` is only valid with `flavor = \"current_thread\"`",
            ));
        }
        Ok(Config {
            flavor: flavor_value,
            worker_threads,
            start_paused: start_paused.unwrap_or(false),
            crate_path: crate_path.unwrap_or_else(|| syn::parse_quote!(::zokio)),
            name: name_arg,
            unhandled_panic,
        })
    }
}

fn check_unset(already: bool, arg: &MetaNameValue) -> syn::Result<()> {
    if already {
        Err(syn::Error::new_spanned(
            &arg.path,
            "this argument is given twice",
        ))
    } else {
        Ok(())
    }
}

fn lit(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        _ => None,
    }
}

fn lit_str(expr: &Expr) -> syn::Result<String> {
    match lit(expr) {
        Some(Lit::Str(s)) => Ok(s.value()),
        _ => Err(syn::Error::new_spanned(expr, "expected a string literal")),
    }
}

fn lit_int(expr: &Expr) -> syn::Result<usize> {
    match lit(expr) {
        Some(Lit::Int(i)) => i.base10_parse(),
        _ => Err(syn::Error::new_spanned(expr, "expected an integer literal")),
    }
}

fn lit_bool(expr: &Expr) -> syn::Result<bool> {
    match lit(expr) {
        Some(Lit::Bool(b)) => Ok(b.value),
        _ => Err(syn::Error::new_spanned(expr, "expected `true` or `false`")),
    }
}
