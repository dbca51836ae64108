//! Identity and access: the stateless logic of AWS's front door. Who signed
//! a request ([`sigv4`], [`identity`]), what the policies say ([`policy`],
//! [`domain_policies`]), whether an action is allowed ([`access`]), and the
//! names of it all ([`arn`]). Nothing here keeps state beyond what setup
//! hands it, and nothing here knows the store, the service or HTTP.

pub mod access;
pub mod actions;
pub mod arn;
pub mod domain_policies;
pub mod identity;
pub mod policy;
pub mod sigv4;
