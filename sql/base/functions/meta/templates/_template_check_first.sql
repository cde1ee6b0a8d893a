-- Fragment of erp._<prefix>_check: the first row of {{rows}} (erp_meta._rows_sql) that breaks a
-- rule of erp_meta._check_rules ({{rules_ok}} is true when it breaks none) and the number of the
-- first rule it breaks ({{rule_cases}}).
CREATE OR REPLACE FUNCTION erp_meta._template_check_first() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
SELECT e.erp_row,
    CASE
        {{rule_cases}}
    END
INTO v_row, v_rule
FROM {{rows}}
WHERE NOT (
    {{rules_ok}}
)
ORDER BY e.erp_row
LIMIT 1;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_check_first() IS
    'Generator template (placeholders: rule_cases, rows, rules_ok).';
