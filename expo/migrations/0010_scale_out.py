from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_on_the_day')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RateHit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=200)),
                ('started', fields.BigIntField()),
                ('hits', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'rate_hits', 'app': 'models', 'unique_together': (('key', 'started'),), 'indexes': [Index(fields=['started'])], 'pk_attr': 'id', 'table_description': "Hits of one key (a limiter's name and what it limits) in one window."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='plan_version',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
