from contract_builders import admin, js_operator, seller_member, sh_operator  # noqa: F401  (fixtures)
