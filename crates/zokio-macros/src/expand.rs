//! The code the attributes expand to.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

use crate::config::{Config, Flavor};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

pub(crate) fn expand(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    // Parse the function first: when the arguments are wrong the function is still emitted (without
    // the runtime), so that the only errors shown are the ones about the arguments.
    let input: ItemFn = match syn::parse2(item) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let default = match kind {
        Kind::Main => Flavor::MultiThread,
        Kind::Test => Flavor::CurrentThread,
    };
    match Config::parse(args, default).and_then(|config| generate(input.clone(), config, kind)) {
        Ok(tokens) => tokens,
        Err(err) => {
            // Emit the function without `async` so that the only errors are about the attribute,
            // not a follow-up "main cannot be async".
            let err = err.to_compile_error();
            let mut plain = input;
            plain.sig.asyncness = None;
            quote! { #err #plain }
        }
    }
}

fn generate(mut input: ItemFn, config: Config, kind: Kind) -> syn::Result<TokenStream> {
    let what = match kind {
        Kind::Main => "#[zokio::main]",
        Kind::Test => "#[zokio::test]",
    };
    if input.sig.asyncness.take().is_none() {
        return Err(syn::Error::new_spanned(
            input.sig.fn_token,
            format!(
                "the `async` keyword is missing from the function declaration ({what} needs an `async fn`)"
            ),
        ));
    }
    // A test takes no arguments; `main` may be any function (a method that takes `self`, say),
    // whose body then borrows its arguments inside the runtime.
    if kind == Kind::Test && !input.sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.sig.inputs,
            format!("{what} functions cannot take arguments"),
        ));
    }
    if kind == Kind::Test {
        if let Some(attr) = input.attrs.iter().find(|a| a.path().is_ident("test")) {
            return Err(syn::Error::new_spanned(
                attr,
                "second test attribute: #[zokio::test] already makes this a test, remove #[test]",
            ));
        }
    }

    let zokio = &config.crate_path;
    let mut builder = match config.flavor {
        Flavor::CurrentThread => quote! { #zokio::runtime::Builder::new_current_thread() },
        Flavor::MultiThread => quote! { #zokio::runtime::Builder::new_multi_thread() },
    };
    if let Some((n, span)) = config.worker_threads {
        builder = quote_spanned! {span=> #builder.worker_threads(#n) };
    }
    if config.start_paused {
        builder = quote! { #builder.start_paused(true) };
    }
    if let Some(name) = &config.name {
        builder = quote! { #builder.name(#name) };
    }
    if let Some((variant, span)) = &config.unhandled_panic {
        builder = quote_spanned! {*span=>
            #builder.unhandled_panic(#zokio::runtime::UnhandledPanic::#variant)
        };
    }

    let output = match &input.sig.output {
        ReturnType::Default => quote! { () },
        ReturnType::Type(_, ty) => quote! { #ty },
    };
    let body = &input.block;
    let body_span = body.span();
    let run = quote_spanned! {body_span=>
        let body = async #body;
        // Naming the output type lets `?` inside the body infer its error conversion.
        let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> =
            ::core::pin::pin!(body);
        #[allow(clippy::expect_used, clippy::diverging_sub_expression)]
        {
            return #builder
                .enable_all()
                .build()
                .expect("failed to build the zokio runtime")
                .block_on(body);
        }
    };
    let test_attr = match kind {
        Kind::Test => quote! { #[::core::prelude::v1::test] },
        Kind::Main => quote! {},
    };
    let attrs = &input.attrs;
    let vis = &input.vis;
    let sig = &input.sig;
    Ok(quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            #run
        }
    })
}
