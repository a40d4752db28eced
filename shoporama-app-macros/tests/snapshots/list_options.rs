const _: () = {
    #[automatically_derived]
    impl ::shoporama_app::__private::ListOptions for ConsentMode {
        const OPTIONS: &'static [(
            &'static ::shoporama_app::__private::core::primitive::str,
            &'static ::shoporama_app::__private::core::primitive::str,
        )] = &[
            ("basic", "Basic"),
            ("full_consent", "Full (after consent)"),
            ("off", "Disabled"),
        ];
        fn key(&self) -> &'static ::shoporama_app::__private::core::primitive::str {
            match self {
                Self::Basic => "basic",
                Self::FullConsent => "full_consent",
                Self::Disabled => "off",
            }
        }
        fn from_key(
            key: &::shoporama_app::__private::core::primitive::str,
        ) -> ::shoporama_app::__private::core::option::Option<Self> {
            match key {
                "basic" => {
                    ::shoporama_app::__private::core::option::Option::Some(Self::Basic)
                }
                "full_consent" => {
                    ::shoporama_app::__private::core::option::Option::Some(
                        Self::FullConsent,
                    )
                }
                "off" => {
                    ::shoporama_app::__private::core::option::Option::Some(
                        Self::Disabled,
                    )
                }
                _ => ::shoporama_app::__private::core::option::Option::None,
            }
        }
    }
    #[automatically_derived]
    impl ::shoporama_app::__private::SettingType for ConsentMode {
        const KIND: ::shoporama_app::__private::FieldKind = ::shoporama_app::__private::FieldKind::List;
        const FIXED_OPTIONS: &'static [(
            &'static ::shoporama_app::__private::core::primitive::str,
            &'static ::shoporama_app::__private::core::primitive::str,
        )] = <Self as ::shoporama_app::__private::ListOptions>::OPTIONS;
        fn list_options() -> ::shoporama_app::__private::core::option::Option<
            ::shoporama_app::__private::std::vec::Vec<
                ::shoporama_app::__private::ListOption,
            >,
        > {
            ::shoporama_app::__private::core::option::Option::Some(
                <Self as ::shoporama_app::__private::ListOptions>::list_options(),
            )
        }
        fn parse_setting(
            value: &::shoporama_app::__private::serde_json::Value,
        ) -> ::shoporama_app::__private::core::result::Result<
            Self,
            ::shoporama_app::__private::FieldProblem,
        > {
            ::shoporama_app::__private::parse_list_key::<Self>(value)
        }
        fn to_setting(&self) -> ::shoporama_app::__private::serde_json::Value {
            ::shoporama_app::__private::list_value::<Self>(self)
        }
    }
    #[automatically_derived]
    impl ::shoporama_app::__private::SnippetVar for ConsentMode {
        type Var = ::shoporama_app::__private::ListVar<Self>;
    }
    #[automatically_derived]
    impl ::shoporama_app::__private::SettingDefault<
        &'static ::shoporama_app::__private::core::primitive::str,
    > for ConsentMode {
        fn from_default(
            literal: &'static ::shoporama_app::__private::core::primitive::str,
        ) -> ::shoporama_app::__private::core::result::Result<
            Self,
            ::shoporama_app::__private::FieldProblem,
        > {
            ::shoporama_app::__private::list_default::<Self>(literal)
        }
    }
};
