"""Create the programme's roles with their permissions; make the audit tables append-only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "coordinator": [
        "workflows.view_all_processes",
        "workflows.manage_tasks",
        "workflows.act_as_coordinator",
        "workflows.verify_audit_trail",
        "workflows.view_slapolicy",
        "workflows.change_slapolicy",
        "workflows.view_auditevent",
        "agreements.review_agreement",
        "agreements.activate_agreement",
        "agreements.view_agreement",
        "agreements.view_municipality",
        "agreements.change_municipality",
        "agreements.view_region",
        "agreements.view_contactlog",
    ],
    "deputy_coordinator": [
        "workflows.view_all_processes",
        "workflows.act_as_coordinator",
        "workflows.view_slapolicy",
        "agreements.review_agreement",
        "agreements.view_agreement",
        "agreements.view_municipality",
        "agreements.view_region",
        "agreements.view_contactlog",
    ],
    "logistics_coordinator": [
        "workflows.view_all_processes",
        "workflows.view_slapolicy",
        "agreements.view_agreement",
        "agreements.view_municipality",
        "agreements.view_region",
    ],
    "assistant": [
        "workflows.view_all_processes",
        "workflows.view_slapolicy",
        "agreements.view_agreement",
        "agreements.view_municipality",
        "agreements.view_region",
    ],
    "facilitator": ["agreements.view_region"],
    "specialist": ["workflows.act_as_specialist", "agreements.view_region"],
    "auditor": [
        "workflows.view_all_processes",
        "workflows.verify_audit_trail",
        "workflows.view_auditevent",
        "workflows.view_auditcheckpoint",
        "workflows.view_slapolicy",
        "agreements.view_agreement",
        "agreements.view_municipality",
        "agreements.view_region",
        "agreements.view_contactlog",
    ],
    "municipal_officer": [],
}

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION workflows_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (%% on %%)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_auditevent_append_only
    BEFORE UPDATE OR DELETE ON workflows_auditevent
    FOR EACH ROW EXECUTE FUNCTION workflows_append_only();
CREATE TRIGGER workflows_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON workflows_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION workflows_append_only();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS workflows_auditevent_append_only ON workflows_auditevent;
DROP TRIGGER IF EXISTS workflows_auditcheckpoint_append_only ON workflows_auditcheckpoint;
DROP FUNCTION IF EXISTS workflows_append_only();
"""


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_initial"),
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(append_only, drop_append_only),
    ]
