from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from enum import StrEnum


# Frozen copies of the app's enums: a migration never imports the live code.
class ChargeState(StrEnum):
    """expo.payments.models.ChargeState when this migration was written."""

    PENDING = 'pending'
    PAID = 'paid'
    EXPIRED = 'expired'
    FAILED = 'failed'
    CANCELLED = 'cancelled'


class InvoiceStatus(StrEnum):
    """expo.payments.models.InvoiceStatus when this migration was written."""

    DRAFT = 'draft'
    ISSUED = 'issued'
    PAID = 'paid'
    FREE = 'free'
    CANCELLED = 'cancelled'
    REFUNDED = 'refunded'


class LineKind(StrEnum):
    """expo.payments.models.LineKind when this migration was written."""

    BOOTH = 'booth'
    EXTRA = 'extra'
    DEPOSIT = 'deposit'
    SUBSIDY = 'subsidy'
    CODE = 'code'


class LineState(StrEnum):
    """expo.payments.models.LineState when this migration was written."""

    PROPOSED = 'proposed'
    CONFIRMED = 'confirmed'
    IGNORED = 'ignored'


class Method(StrEnum):
    """expo.payments.models.Method when this migration was written."""

    TRANSFER = 'transfer'
    QRIS = 'qris'
    VA = 'va'
    CASH = 'cash'


class PaymentKind(StrEnum):
    """expo.payments.models.PaymentKind when this migration was written."""

    PAYMENT = 'payment'
    REFUND = 'refund'


class PaymentState(StrEnum):
    """expo.payments.models.PaymentState when this migration was written."""

    PENDING = 'pending'
    CONFIRMED = 'confirmed'
    REJECTED = 'rejected'
    SUPERSEDED = 'superseded'


class Migration(migrations.Migration):
    dependencies = [('models', '0006_jobs_and_messages')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DocumentCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='document_counters', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=4)),
                ('value', fields.IntField(default=0)),
            ],
            options={'table': 'payment_counters', 'app': 'models', 'unique_together': (('event', 'kind'),), 'pk_attr': 'id', 'table_description': 'The last number given per event and kind (``INV``, ``KW``, ``NK``).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeePolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.OneToOneField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='fee_policy', on_delete=OnDelete.CASCADE)),
                ('prefix', fields.CharField(default='', max_length=20)),
                ('auto_issue', fields.BooleanField(default=True)),
                ('due_days', fields.IntField(default=14)),
                ('free_categories', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('free_for_micro', fields.BooleanField(default=False)),
                ('free_max_area', fields.FloatField(default=0)),
                ('subsidy_percent', fields.IntField(default=0)),
                ('deposit', fields.IntField(default=0)),
                ('power_price', fields.IntField(default=0)),
                ('power_step', fields.IntField(default=900)),
                ('extras', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('bank_name', fields.CharField(default='', max_length=60)),
                ('account_number', fields.CharField(default='', max_length=40)),
                ('account_holder', fields.CharField(default='', max_length=120)),
                ('online', fields.BooleanField(default=False)),
                ('release_unpaid', fields.BooleanField(default=False)),
                ('release_after_days', fields.IntField(default=3)),
                ('treasurer', fields.CharField(default='', max_length=120)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payment_policies', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How an event charges for booths. ``free_categories`` (producer categories) and booths'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GatewayNotice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=20)),
                ('order_id', fields.CharField(default='', max_length=60)),
                ('outcome', fields.CharField(max_length=12)),
                ('detail', fields.CharField(default='', max_length=300)),
                ('digest', fields.CharField(max_length=64)),
                ('ip', fields.CharField(default='', max_length=45)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_notices', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every notification the gateway sent, with what expo made of it (``outcome``: settled,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('active_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('status', fields.CharEnumField(default=InvoiceStatus.DRAFT, db_index=True, description='DRAFT: draft\nISSUED: issued\nPAID: paid\nFREE: free\nCANCELLED: cancelled\nREFUNDED: refunded', enum_type=InvoiceStatus, max_length=10)),
                ('number', fields.CharField(null=True, max_length=40)),
                ('seq', fields.IntField(null=True)),
                ('buyer_name', fields.CharField(default='', max_length=160)),
                ('buyer_owner', fields.CharField(default='', max_length=120)),
                ('buyer_address', fields.CharField(default='', max_length=400)),
                ('buyer_phone', fields.CharField(default='', max_length=20)),
                ('buyer_email', fields.CharField(default='', max_length=254)),
                ('subtotal', fields.IntField(default=0)),
                ('unique_code', fields.IntField(default=0)),
                ('total', fields.IntField(default=0)),
                ('credited', fields.IntField(default=0)),
                ('paid', fields.IntField(default=0)),
                ('refunded', fields.IntField(default=0)),
                ('open_amount', fields.IntField(null=True, unique=True)),
                ('issued_on', fields.DateField(null=True)),
                ('due_on', fields.DateField(null=True, db_index=True)),
                ('issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminders', fields.IntField(default=0)),
                ('released_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='invoices_created', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invoices', 'app': 'models', 'unique_together': (('event', 'number'),), 'pk_attr': 'id', 'table_description': "An exhibitor's invoice for an event. Once issued its lines, buyer and total never"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Charge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.CASCADE)),
                ('provider', fields.CharField(max_length=20)),
                ('order_id', fields.CharField(unique=True, max_length=60)),
                ('method', fields.CharField(max_length=12)),
                ('amount', fields.IntField()),
                ('state', fields.CharEnumField(default=ChargeState.PENDING, description='PENDING: pending\nPAID: paid\nEXPIRED: expired\nFAILED: failed\nCANCELLED: cancelled', enum_type=ChargeState, max_length=10)),
                ('transaction_id', fields.CharField(default='', max_length=100)),
                ('qr_string', fields.TextField(default='', unique=False)),
                ('va_number', fields.CharField(default='', max_length=40)),
                ('bank', fields.CharField(default='', max_length=20)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_charges', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An online charge at the payment gateway (QRIS or a virtual account) for an invoice.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditNote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.CASCADE)),
                ('number', fields.CharField(max_length=40)),
                ('amount', fields.IntField()),
                ('reason', fields.CharField(max_length=300)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='credit_notes', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_credit_notes', 'app': 'models', 'unique_together': (('event', 'number'),), 'pk_attr': 'id', 'table_description': 'A correction of an issued invoice: it lowers what is owed, or cancels it in full.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('kind', fields.CharEnumField(default=LineKind.BOOTH, description='BOOTH: booth\nEXTRA: extra\nDEPOSIT: deposit\nSUBSIDY: subsidy\nCODE: code', enum_type=LineKind, max_length=10)),
                ('description', fields.CharField(max_length=200)),
                ('quantity', fields.IntField(default=1)),
                ('unit_price', fields.IntField(default=0)),
                ('amount', fields.IntField(default=0)),
                ('booth', fields.ForeignKeyField('models.Booth', source_field='booth_id', null=True, db_constraint=True, to_field='id', related_name='invoice_lines', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'invoice_lines', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StatementImport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='statement_imports', on_delete=OnDelete.CASCADE)),
                ('filename', fields.CharField(max_length=200)),
                ('mapping', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('lines_count', fields.IntField(default=0)),
                ('uploaded_by', fields.ForeignKeyField('models.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='statement_imports', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_statements', 'app': 'models', 'pk_attr': 'id', 'table_description': "One uploaded bank statement: its lines wait for the committee's confirmation."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StatementLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('statement', fields.ForeignKeyField('models.StatementImport', source_field='statement_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='statement_lines', on_delete=OnDelete.CASCADE)),
                ('row', fields.IntField()),
                ('date', fields.DateField()),
                ('amount', fields.IntField()),
                ('description', fields.CharField(default='', max_length=300)),
                ('reference', fields.CharField(default='', max_length=100)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(default=LineState.PROPOSED, description='PROPOSED: proposed\nCONFIRMED: confirmed\nIGNORED: ignored', enum_type=LineState, max_length=10)),
                ('proposed', fields.ForeignKeyField('models.Invoice', source_field='proposed_id', null=True, db_constraint=True, to_field='id', related_name='statement_lines', on_delete=OnDelete.SET_NULL)),
                ('confidence', fields.CharField(default='none', max_length=10)),
                ('note', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'payment_statement_lines', 'app': 'models', 'unique_together': (('event', 'fingerprint'),), 'pk_attr': 'id', 'table_description': 'A credit on a statement. ``fingerprint`` is unique per event: a line imported twice (the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('models.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(default=PaymentKind.PAYMENT, description='PAYMENT: payment\nREFUND: refund', enum_type=PaymentKind, max_length=8)),
                ('method', fields.CharEnumField(default=Method.TRANSFER, description='TRANSFER: transfer\nQRIS: qris\nVA: va\nCASH: cash', enum_type=Method, max_length=10)),
                ('state', fields.CharEnumField(default=PaymentState.PENDING, db_index=True, description='PENDING: pending\nCONFIRMED: confirmed\nREJECTED: rejected\nSUPERSEDED: superseded', enum_type=PaymentState, max_length=10)),
                ('amount', fields.IntField()),
                ('paid_on', fields.DateField()),
                ('payer_note', fields.CharField(default='', max_length=300)),
                ('proof', fields.CharField(default='', max_length=60)),
                ('proof_mime', fields.CharField(default='', max_length=40)),
                ('provider', fields.CharField(default='', max_length=20)),
                ('provider_ref', fields.CharField(null=True, unique=True, max_length=100)),
                ('statement_line', fields.ForeignKeyField('models.StatementLine', source_field='statement_line_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.SET_NULL)),
                ('receipt_number', fields.CharField(null=True, max_length=40)),
                ('reference', fields.CharField(default='', max_length=100)),
                ('reason', fields.CharField(default='', max_length=300)),
                ('submitted_by', fields.ForeignKeyField('models.User', source_field='submitted_by_id', null=True, db_constraint=True, to_field='id', related_name='payments_submitted', on_delete=OnDelete.SET_NULL)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='payments_decided', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payments', 'app': 'models', 'unique_together': (('event', 'receipt_number'),), 'pk_attr': 'id', 'table_description': 'Money in (``payment``) or out (``refund``) for an invoice. A transfer with a proof'},
            bases=['Model'],
        ),
    ]
