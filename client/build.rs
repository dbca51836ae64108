//! Generates the client from the checked-in `../openapi.json`, and from
//! nothing else: the client sees the contract exactly as outside consumers do.

use std::path::Path;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

fn main() {
    // Read at run time, not with env!: a build script compiled in another
    // checkout (a copied target/) would otherwise keep reading that
    // checkout's spec.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let spec_path = Path::new(&manifest_dir).join("../openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());

    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", spec_path.display()));
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("failed to parse {}: {e}", spec_path.display()));

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Every request goes through our `ClientHooks` impl, which signs it.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote_signer());
    let mut generator = Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).unwrap_or_else(|e| {
        panic!("failed to generate a client from {}: {e}", spec_path.display())
    });
    let file: syn::File = syn::parse2(tokens).expect("progenitor emits valid Rust");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("codegen.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|e| panic!("failed to write {}: {e}", out.display()));
}

fn quote_signer() -> proc_macro2::TokenStream {
    "crate::Signer".parse().expect("a type path parses")
}
