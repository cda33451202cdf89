from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from enum import StrEnum


# Frozen copies of the app's enums: a migration never imports the live code.
class BuyerKind(StrEnum):
    """expo.procurement.models.BuyerKind when this migration was written."""

    AGENCY = 'agency'
    BUSINESS = 'business'


class Condition(StrEnum):
    """expo.procurement.models.Condition when this migration was written."""

    GOOD = 'good'
    PARTLY_DAMAGED = 'partly'
    DAMAGED = 'damaged'


class DeliveryStatus(StrEnum):
    """expo.procurement.models.DeliveryStatus when this migration was written."""

    SCHEDULED = 'scheduled'
    RECEIVED = 'received'
    CANCELLED = 'cancelled'


class MemberRole(StrEnum):
    """expo.procurement.models.MemberRole when this migration was written."""

    OFFICER = 'officer'
    HEAD = 'head'


class OrderStatus(StrEnum):
    """expo.procurement.models.OrderStatus when this migration was written."""

    AWAITING_APPROVAL = 'awaiting'
    NOT_APPROVED = 'refused'
    ISSUED = 'issued'
    PARTLY_DELIVERED = 'partial'
    DELIVERED = 'delivered'
    CANCELLED = 'cancelled'


class PayMethod(StrEnum):
    """expo.procurement.models.PayMethod when this migration was written."""

    TRANSFER = 'transfer'
    GOV_CARD = 'kkp'
    PETTY_CASH = 'up'


class QuoteStatus(StrEnum):
    """expo.procurement.models.QuoteStatus when this migration was written."""

    PROPOSED = 'proposed'
    INVITED = 'invited'
    QUOTED = 'quoted'
    DECLINED = 'declined'
    ACCEPTED = 'accepted'
    NOT_CHOSEN = 'not_chosen'
    WITHDRAWN = 'withdrawn'


class RequestStatus(StrEnum):
    """expo.procurement.models.RequestStatus when this migration was written."""

    DRAFT = 'draft'
    OPEN = 'open'
    ORDERED = 'ordered'
    CLOSED = 'closed'
    CANCELLED = 'cancelled'


class Migration(migrations.Migration):
    dependencies = [('models', '0007_booth_fees_and_payments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Counter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(unique=True, max_length=16)),
                ('value', fields.IntField(default=0)),
            ],
            options={'table': 'proc_counters', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The last number given per series (``SP/2027``, ``RFQ/2027``, ``BAST/2027``).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Listing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('producer', fields.OneToOneField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='listing', on_delete=OnDelete.CASCADE)),
                ('listed', fields.BooleanField(default=True, db_index=True)),
                ('nib_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pirt_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('halal_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('bpom_verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('verified_by', fields.ForeignKeyField('models.User', source_field='verified_by_id', null=True, db_constraint=True, to_field='id', related_name='verified_listings', on_delete=OnDelete.SET_NULL)),
                ('added_by', fields.ForeignKeyField('models.User', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='added_listings', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'proc_listings', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A producer in the public catalogue. ``listed``: shown (the producer opted in, or the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfficeStaff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='office_staff', on_delete=OnDelete.CASCADE)),
                ('added_by', fields.ForeignKeyField('models.User', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='office_staff_added', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proc_office_staff', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A login of the trade office (Disperindag): curates the catalogue, invites buyers, sees'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organisation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=160)),
                ('kind', fields.CharEnumField(default=BuyerKind.AGENCY, description='AGENCY: agency\nBUSINESS: business', enum_type=BuyerKind, max_length=10)),
                ('kabupaten', fields.CharField(max_length=60)),
                ('address', fields.CharField(default='', max_length=300)),
                ('phone', fields.CharField(default='', max_length=20)),
                ('email', fields.CharField(default='', max_length=254)),
                ('requires_approval', fields.BooleanField(default=True)),
                ('approval_threshold', fields.BigIntField(default=0)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_organisations', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proc_organisations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A buyer: an agency (OPD) or a business. ``requires_approval``: its orders wait for a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BuyerMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='buyer_memberships', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(default=MemberRole.OFFICER, description='OFFICER: officer\nHEAD: head', enum_type=MemberRole, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proc_buyer_members', 'app': 'models', 'unique_together': (('organisation', 'user'),), 'pk_attr': 'id', 'table_description': 'A login that acts for an organisation: an officer asks, orders, receives and pays, a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PurchaseRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(null=True, unique=True, max_length=24)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=160)),
                ('delivery_address', fields.CharField(max_length=300)),
                ('kabupaten', fields.CharField(default='', max_length=60)),
                ('budget', fields.BigIntField(null=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=RequestStatus.DRAFT, db_index=True, description='DRAFT: draft\nOPEN: open\nORDERED: ordered\nCLOSED: closed\nCANCELLED: cancelled', enum_type=RequestStatus, max_length=10)),
                ('source_event', fields.ForeignKeyField('models.Event', source_field='source_event_id', null=True, db_constraint=True, to_field='id', related_name='procurement_requests', on_delete=OnDelete.SET_NULL)),
                ('source_inquiry', fields.ForeignKeyField('models.Inquiry', source_field='source_inquiry_id', null=True, db_constraint=True, to_field='id', related_name='procurement_requests', on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='procurement_requests', on_delete=OnDelete.SET_NULL)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'proc_requests', 'app': 'models', 'indexes': [Index(fields=['organisation_id', 'status'])], 'pk_attr': 'id', 'table_description': "A buyer's request for quotation: one or more items, one delivery address. ``number``"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PurchaseOrder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(null=True, unique=True, max_length=24)),
                ('request', fields.ForeignKeyField('models.PurchaseRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='purchase_orders', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=OrderStatus.AWAITING_APPROVAL, db_index=True, description='AWAITING_APPROVAL: awaiting\nNOT_APPROVED: refused\nISSUED: issued\nPARTLY_DELIVERED: partial\nDELIVERED: delivered\nCANCELLED: cancelled', enum_type=OrderStatus, max_length=10)),
                ('total', fields.BigIntField(default=0)),
                ('delivery_address', fields.CharField(max_length=300)),
                ('due_on', fields.DateField()),
                ('approval_required', fields.BooleanField(default=False)),
                ('approved_by', fields.ForeignKeyField('models.User', source_field='approved_by_id', null=True, db_constraint=True, to_field='id', related_name='approved_orders', on_delete=OnDelete.SET_NULL)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(default='', max_length=300)),
                ('issued_on', fields.DateField(null=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_orders', on_delete=OnDelete.SET_NULL)),
                ('delivered_on', fields.DateField(null=True)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'proc_orders', 'app': 'models', 'indexes': [Index(fields=['organisation_id', 'status']), Index(fields=['producer_id', 'status']), Index(fields=['request_id'])], 'pk_attr': 'id', 'table_description': 'A Surat Pesanan: one per producer per request, its lines from accepted quotes.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Delivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.PurchaseOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('seq', fields.IntField()),
                ('status', fields.CharEnumField(default=DeliveryStatus.SCHEDULED, description='SCHEDULED: scheduled\nRECEIVED: received\nCANCELLED: cancelled', enum_type=DeliveryStatus, max_length=10)),
                ('planned_on', fields.DateField()),
                ('received_on', fields.DateField(null=True)),
                ('received_by', fields.ForeignKeyField('models.User', source_field='received_by_id', null=True, db_constraint=True, to_field='id', related_name='received_deliveries', on_delete=OnDelete.SET_NULL)),
                ('receiver_name', fields.CharField(default='', max_length=120)),
                ('note', fields.CharField(default='', max_length=300)),
                ('bast_number', fields.CharField(null=True, unique=True, max_length=24)),
                ('bast_scan', fields.CharField(default='', max_length=60)),
                ('bast_scan_mime', fields.CharField(default='', max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proc_deliveries', 'app': 'models', 'unique_together': (('order', 'seq'),), 'pk_attr': 'id', 'table_description': 'One delivery of an order (``seq`` 1, 2, ...), planned for ``planned_on``. On receipt the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderInvoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.PurchaseOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.CASCADE)),
                ('number', fields.CharField(max_length=40)),
                ('amount', fields.BigIntField()),
                ('issued_on', fields.DateField()),
                ('due_on', fields.DateField()),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='order_invoices', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proc_invoices', 'app': 'models', 'unique_together': (('order', 'number'),), 'pk_attr': 'id', 'table_description': "The producer's invoice for (part of) an order, with the producer's own number."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderPayment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.PurchaseOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE)),
                ('invoice', fields.ForeignKeyField('models.OrderInvoice', source_field='invoice_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.SET_NULL)),
                ('amount', fields.BigIntField()),
                ('method', fields.CharEnumField(default=PayMethod.TRANSFER, description='TRANSFER: transfer\nGOV_CARD: kkp\nPETTY_CASH: up', enum_type=PayMethod, max_length=10)),
                ('paid_on', fields.DateField()),
                ('reference', fields.CharField(default='', max_length=80)),
                ('recorded_by', fields.ForeignKeyField('models.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='order_payments', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proc_payments', 'app': 'models', 'indexes': [Index(fields=['order_id'])], 'pk_attr': 'id', 'table_description': "A payment by the buyer for an order, recorded by the buyer's staff."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RequestItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('models.PurchaseRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('name', fields.CharField(max_length=120)),
                ('kind', fields.CharField(default='', max_length=60)),
                ('category', fields.CharField(default='', max_length=16)),
                ('cluster', fields.CharField(default='', max_length=60)),
                ('quantity', fields.IntField()),
                ('unit', fields.CharField(default='', max_length=30)),
                ('needed_by', fields.DateField()),
                ('budget', fields.BigIntField(null=True)),
                ('note', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'proc_request_items', 'app': 'models', 'indexes': [Index(fields=['request_id', 'position'])], 'pk_attr': 'id', 'table_description': 'One thing asked for: ``quantity`` ``unit`` by ``needed_by``, ``kind`` the product kind'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Quote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.RequestItem', source_field='item_id', db_constraint=True, to_field='id', related_name='quotes', on_delete=OnDelete.CASCADE)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='quotes', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='quotes', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=QuoteStatus.PROPOSED, db_index=True, description='PROPOSED: proposed\nINVITED: invited\nQUOTED: quoted\nDECLINED: declined\nACCEPTED: accepted\nNOT_CHOSEN: not_chosen\nWITHDRAWN: withdrawn', enum_type=QuoteStatus, max_length=10)),
                ('proposed_quantity', fields.IntField(default=0)),
                ('quantity', fields.IntField(null=True)),
                ('unit_price', fields.BigIntField(null=True)),
                ('delivery_on', fields.DateField(null=True)),
                ('note', fields.CharField(default='', max_length=300)),
                ('over_capacity', fields.BooleanField(default=False)),
                ('spare_at_quote', fields.IntField(null=True)),
                ('accepted_quantity', fields.IntField(null=True)),
                ('token_digest', fields.CharField(null=True, unique=True, max_length=64)),
                ('invited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminders', fields.IntField(default=0)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'proc_quotes', 'app': 'models', 'unique_together': (('item', 'producer'),), 'indexes': [Index(fields=['producer_id', 'status']), Index(fields=['product_id'])], 'pk_attr': 'id', 'table_description': "One producer's part of one item: what expo proposed (``proposed_quantity``, from the"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.PurchaseOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('quote', fields.OneToOneField('models.Quote', source_field='quote_id', db_constraint=True, to_field='id', related_name='order_line', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('models.RequestItem', source_field='item_id', db_constraint=True, to_field='id', related_name='order_lines', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='order_lines', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=120)),
                ('quantity', fields.IntField()),
                ('unit', fields.CharField(default='', max_length=30)),
                ('unit_price', fields.BigIntField()),
                ('delivery_on', fields.DateField()),
                ('received', fields.IntField(default=0)),
                ('damaged', fields.IntField(default=0)),
            ],
            options={'table': 'proc_order_lines', 'app': 'models', 'indexes': [Index(fields=['order_id']), Index(fields=['product_id'])], 'pk_attr': 'id', 'table_description': "An accepted quote on an order: ``quantity`` (never above the quote's accepted quantity)"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeliveryLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('models.Delivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('line', fields.ForeignKeyField('models.OrderLine', source_field='line_id', db_constraint=True, to_field='id', related_name='delivery_lines', on_delete=OnDelete.CASCADE)),
                ('planned', fields.IntField(default=0)),
                ('received', fields.IntField(default=0)),
                ('damaged', fields.IntField(default=0)),
                ('condition', fields.CharEnumField(default=Condition.GOOD, description='GOOD: good\nPARTLY_DAMAGED: partly\nDAMAGED: damaged', enum_type=Condition, max_length=8)),
                ('note', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'proc_delivery_lines', 'app': 'models', 'unique_together': (('delivery', 'line'),), 'indexes': [Index(fields=['line_id'])], 'pk_attr': 'id', 'table_description': 'What one delivery brings of one order line: ``planned``, then ``received`` of which'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='Product',
            options={'table': 'products', 'app': 'models', 'indexes': [Index(fields=['kind', 'producer_id'])], 'pk_attr': 'id', 'table_description': 'A product: price range in Rupiah, capacity with its unit (per week, or per month when'},
        ),
        ops.AddField(
            model_name='Product',
            name='capacity_per_month',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Product',
            name='kind',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='Product',
            name='min_order',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddIndex(
            model_name='Product',
            index=Index(fields=['kind', 'producer_id']),
        ),
    ]
