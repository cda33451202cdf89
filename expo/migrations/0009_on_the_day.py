from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from enum import StrEnum


# Frozen copies of the app's enums: a migration never imports the live code.
class Category(StrEnum):
    """expo.exhibitors.models.Category when this migration was written."""

    KULINER = 'kuliner'
    KRIYA = 'kriya'
    FESYEN = 'fesyen'
    OLEH_OLEH = 'oleh-oleh'
    AKSESORIS = 'aksesoris'
    DEKORASI = 'dekorasi'
    LAINNYA = 'lainnya'


class Migration(migrations.Migration):
    dependencies = [('models', '0008_procurement')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RequiredDocument',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='required_documents', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(description='KULINER: kuliner\nKRIYA: kriya\nFESYEN: fesyen\nOLEH_OLEH: oleh-oleh\nAKSESORIS: aksesoris\nDEKORASI: dekorasi\nLAINNYA: lainnya', enum_type=Category, max_length=16)),
                ('kinds', fields.CharField(max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'required_documents', 'app': 'models', 'unique_together': (('event', 'category', 'kinds'),), 'pk_attr': 'id', 'table_description': 'A document an event requires of applicants in a category: sending waits for it.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Application',
            name='documents_waived_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Application',
            name='documents_waived_by',
            field=fields.ForeignKeyField('models.User', source_field='documents_waived_by_id', null=True, db_constraint=True, to_field='id', related_name='waived_applications', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Application',
            name='documents_waiver_reason',
            field=fields.CharField(default='', max_length=300),
        ),
        ops.AddField(
            model_name='Event',
            name='rehearsal',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Event',
            name='rehearsal_cleared_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Lead',
            name='rehearsal',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='SalesReport',
            name='rehearsal',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Scan',
            name='rehearsal',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Visitor',
            name='rehearsal',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
