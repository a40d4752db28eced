::core::compile_error! {
    "list option `A` cannot have fields: Shoporama stores only the option's key"
}
::core::compile_error! {
    "duplicate option key `a`: variants `A` and `B` would be stored alike"
}
const _: () = {
    #[automatically_derived]
    impl ::shoporama_app::__private::ListOptions for Broken {
        const OPTIONS: &'static [(
            &'static ::shoporama_app::__private::core::primitive::str,
            &'static ::shoporama_app::__private::core::primitive::str,
        )] = &[];
        fn key(&self) -> &'static ::shoporama_app::__private::core::primitive::str {
            ::shoporama_app::__private::core::unreachable!(
                "#[derive(ListOptions)] reported errors for this type"
            )
        }
        fn from_key(
            _: &::shoporama_app::__private::core::primitive::str,
        ) -> ::shoporama_app::__private::core::option::Option<Self> {
            ::shoporama_app::__private::core::unreachable!(
                "#[derive(ListOptions)] reported errors for this type"
            )
        }
    }
    #[automatically_derived]
    impl ::shoporama_app::__private::SettingType for Broken {
        const KIND: ::shoporama_app::__private::FieldKind = ::shoporama_app::__private::FieldKind::List;
        fn parse_setting(
            _: &::shoporama_app::__private::serde_json::Value,
        ) -> ::shoporama_app::__private::core::result::Result<
            Self,
            ::shoporama_app::__private::FieldProblem,
        > {
            ::shoporama_app::__private::core::unreachable!(
                "#[derive(ListOptions)] reported errors for this type"
            )
        }
        fn to_setting(&self) -> ::shoporama_app::__private::serde_json::Value {
            ::shoporama_app::__private::core::unreachable!(
                "#[derive(ListOptions)] reported errors for this type"
            )
        }
    }
    #[automatically_derived]
    impl ::shoporama_app::__private::SnippetVar for Broken {
        type Var = ::shoporama_app::__private::ListVar<Self>;
    }
    #[automatically_derived]
    impl ::shoporama_app::__private::SettingDefault<
        &'static ::shoporama_app::__private::core::primitive::str,
    > for Broken {
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
