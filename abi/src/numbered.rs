/// Declares a `#[repr]` enum whose numbers are written exactly once, with a checked `from_raw`.
///
/// (Hubris's lesson: a hand-written `TryFrom` next to the enum is a second copy that drifts.)
macro_rules! numbered_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[repr($repr)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $value, )*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The variant numbered `raw`, if there is one.
            #[inline]
            pub const fn from_raw(raw: $repr) -> Option<Self> {
                match raw {
                    $( $value => Some($name::$variant), )*
                    _ => None,
                }
            }

            /// The number of this variant.
            #[inline]
            pub const fn raw(self) -> $repr {
                self as $repr
            }
        }
    };
}
