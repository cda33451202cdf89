from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from enum import StrEnum


# Frozen copies of the app's enums: a migration never imports the live code.
class AllocationMode(StrEnum):
    """expo.booths.models.AllocationMode when this migration was written."""

    OPTIMAL = 'optimal'
    SELF = 'self'


class BoothKind(StrEnum):
    """expo.booths.models.BoothKind when this migration was written."""

    STANDARD = 'standard'
    CORNER = 'corner'
    ISLAND = 'island'
    FOOD = 'food'
    OUTDOOR = 'outdoor'


class BoothStatus(StrEnum):
    """expo.booths.models.BoothStatus when this migration was written."""

    AVAILABLE = 'available'
    BLOCKED = 'blocked'
    ASSIGNED = 'assigned'


class ClusterMode(StrEnum):
    """expo.booths.models.ClusterMode when this migration was written."""

    NONE = 'none'
    TOGETHER = 'together'
    APART = 'apart'


class RunStatus(StrEnum):
    """expo.booths.models.RunStatus when this migration was written."""

    DRAFT = 'draft'
    PUBLISHED = 'published'
    SUPERSEDED = 'superseded'


class AppStatus(StrEnum):
    """expo.exhibitors.models.AppStatus when this migration was written."""

    DRAFT = 'draft'
    SUBMITTED = 'submitted'
    ACCEPTED = 'accepted'
    WAITLISTED = 'waitlisted'
    REJECTED = 'rejected'
    WITHDRAWN = 'withdrawn'


class BoothType(StrEnum):
    """expo.exhibitors.models.BoothType when this migration was written."""

    STANDARD = 'standard'
    FOOD = 'food'
    OUTDOOR = 'outdoor'


class Category(StrEnum):
    """expo.exhibitors.models.Category when this migration was written."""

    KULINER = 'kuliner'
    KRIYA = 'kriya'
    FESYEN = 'fesyen'
    OLEH_OLEH = 'oleh-oleh'
    AKSESORIS = 'aksesoris'
    DEKORASI = 'dekorasi'
    LAINNYA = 'lainnya'


class CriterionSource(StrEnum):
    """expo.exhibitors.models.CriterionSource when this migration was written."""

    MANUAL = 'manual'
    LEGALITY = 'legality'
    SMK = 'smk'
    FIRST_TIME = 'first_time'
    MICRO = 'micro'


class DocumentKind(StrEnum):
    """expo.exhibitors.models.DocumentKind when this migration was written."""

    NIB = 'nib'
    PIRT = 'pirt'
    HALAL = 'halal'
    BPOM = 'bpom'
    KTP = 'ktp'
    OTHER = 'other'


class QuotaKind(StrEnum):
    """expo.exhibitors.models.QuotaKind when this migration was written."""

    CATEGORY = 'category'
    KABUPATEN = 'kabupaten'


class InquiryStatus(StrEnum):
    """expo.leads.models.InquiryStatus when this migration was written."""

    OPEN = 'open'
    ANSWERED = 'answered'
    GROUPED = 'grouped'
    CLOSED = 'closed'


class LeadSource(StrEnum):
    """expo.leads.models.LeadSource when this migration was written."""

    SCAN = 'scan'
    SAVE = 'save'
    CONTACT = 'contact'
    INQUIRY = 'inquiry'


class LeadStatus(StrEnum):
    """expo.leads.models.LeadStatus when this migration was written."""

    NEW = 'new'
    CONTACTED = 'contacted'
    QUOTED = 'quoted'
    WON = 'won'
    LOST = 'lost'


class OfferStatus(StrEnum):
    """expo.leads.models.OfferStatus when this migration was written."""

    DRAFT = 'draft'
    OFFERED = 'offered'
    CONFIRMED = 'confirmed'
    CANCELLED = 'cancelled'


class Rating(StrEnum):
    """expo.leads.models.Rating when this migration was written."""

    HOT = 'hot'
    WARM = 'warm'
    COLD = 'cold'


class ShareStatus(StrEnum):
    """expo.leads.models.ShareStatus when this migration was written."""

    PROPOSED = 'proposed'
    ACCEPTED = 'accepted'
    DECLINED = 'declined'
    DELIVERED = 'delivered'


class JobStatus(StrEnum):
    """expo.reports.models.JobStatus when this migration was written."""

    PENDING = 'pending'
    RUNNING = 'running'
    DONE = 'done'
    FAILED = 'failed'


class Direction(StrEnum):
    """expo.visitors.models.Direction when this migration was written."""

    IN = 'in'
    OUT = 'out'


class Source(StrEnum):
    """expo.visitors.models.Source when this migration was written."""

    ONLINE = 'online'
    GROUP = 'group'
    KIOSK = 'kiosk'
    STAFF = 'staff'


class VisitorType(StrEnum):
    """expo.visitors.models.VisitorType when this migration was written."""

    UMUM = 'umum'
    PELAJAR = 'pelajar'
    INSTANSI = 'instansi'
    BUYER = 'buyer'
    EXHIBITOR = 'exhibitor'
    COMMITTEE = 'committee'
    GUEST = 'guest'


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AllocationPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.OneToOneField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='booth_policy', on_delete=OnDelete.CASCADE)),
                ('mode', fields.CharEnumField(default=AllocationMode.OPTIMAL, description='OPTIMAL: optimal\nSELF: self', enum_type=AllocationMode, max_length=10)),
                ('smk_points', fields.IntField(default=20)),
                ('micro_points', fields.IntField(default=15)),
                ('first_time_points', fields.IntField(default=10)),
                ('rotation_penalty', fields.IntField(default=10)),
                ('curation_points', fields.IntField(default=3)),
                ('early_points', fields.IntField(default=5)),
                ('cluster_mode', fields.CharEnumField(default=ClusterMode.NONE, description='NONE: none\nTOGETHER: together\nAPART: apart', enum_type=ClusterMode, max_length=10)),
                ('zone_rules', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('preferences_open', fields.BooleanField(default=False)),
                ('selection_opens_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('slot_minutes', fields.IntField(default=30)),
                ('slot_size', fields.IntField(default=10)),
            ],
            options={'table': 'booth_policies', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Per-event allocation rules: priority points, zone rules and the cluster rule.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AllocationRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='allocation_runs', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('label', fields.CharField(default='', max_length=80)),
                ('status', fields.CharEnumField(default=RunStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nSUPERSEDED: superseded', enum_type=RunStatus, max_length=12)),
                ('seed', fields.BigIntField()),
                ('cluster_mode', fields.CharEnumField(default=ClusterMode.NONE, description='NONE: none\nTOGETHER: together\nAPART: apart', enum_type=ClusterMode, max_length=10)),
                ('metrics', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='allocation_runs', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'allocation_runs', 'app': 'models', 'unique_together': (('event', 'number'),), 'pk_attr': 'id', 'table_description': 'One run of the engine (a draft until published). The lottery seed is kept so that'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Criterion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='criteria', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=80)),
                ('weight', fields.IntField(default=1)),
                ('source', fields.CharEnumField(default=CriterionSource.MANUAL, description='MANUAL: manual\nLEGALITY: legality\nSMK: smk\nFIRST_TIME: first_time\nMICRO: micro', enum_type=CriterionSource, max_length=12)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'curation_criteria', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A rubric criterion of an event, scored 0-5 (by curators, or automatically).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CurationSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.OneToOneField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='curation_settings', on_delete=OnDelete.CASCADE)),
                ('terms', fields.TextField(default='', unique=False)),
                ('curators_can_decide', fields.BooleanField(default=False)),
            ],
            options={'table': 'curation_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Per-event exhibitor settings: terms to agree to, whether curators may decide.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DrawRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='draws', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('prize', fields.CharField(max_length=160)),
                ('seed', fields.CharField(max_length=64)),
                ('algorithm', fields.CharField(max_length=20)),
                ('filters', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('requested', fields.IntField()),
                ('pool_size', fields.IntField()),
                ('candidates_digest', fields.CharField(max_length=64)),
                ('candidates', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('performed_by', fields.ForeignKeyField('models.User', source_field='performed_by_id', null=True, db_constraint=True, to_field='id', related_name='draws', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report_draws', 'app': 'models', 'unique_together': (('event', 'number'),), 'pk_attr': 'id', 'table_description': 'One doorprize draw (undian). See ``expo.reports.draw`` for the algorithm.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ExportJob',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='export_jobs', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='event_workbook', max_length=30)),
                ('status', fields.CharEnumField(default=JobStatus.PENDING, description='PENDING: pending\nRUNNING: running\nDONE: done\nFAILED: failed', enum_type=JobStatus, max_length=10)),
                ('progress', fields.IntField(default=0, db_default=0)),
                ('stage', fields.CharField(default='', max_length=60)),
                ('rows_written', fields.IntField(default=0, db_default=0)),
                ('file_name', fields.CharField(default='', max_length=120)),
                ('error', fields.CharField(default='', max_length=300)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='export_jobs', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_export_jobs', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A workbook written in the background into ``data_dir/exports/<file_name>``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Gate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='gates', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visitor_gates', 'app': 'models', 'unique_together': (('event', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeviceToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='device_tokens', on_delete=OnDelete.CASCADE)),
                ('gate', fields.ForeignKeyField('models.Gate', source_field='gate_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(default='', max_length=80)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('kiosk', fields.BooleanField(default=False, db_default=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='device_tokens', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visitor_device_tokens', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bearer token for a scanner or kiosk at one gate. Only the SHA-256 digest is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GateRules',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.OneToOneField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='gate_rules', on_delete=OnDelete.CASCADE)),
                ('reentry', fields.BooleanField(default=True, db_default=True)),
                ('track_exit', fields.BooleanField(default=True, db_default=True)),
                ('enforce_hours', fields.BooleanField(default=True, db_default=True)),
                ('early_minutes', fields.IntField(default=30, db_default=30)),
            ],
            options={'table': 'visitor_gate_rules', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How an event admits people: re-entry, exit scans, opening hours.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Hall',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='halls', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=80)),
                ('width', fields.FloatField(default=40)),
                ('depth', fields.FloatField(default=30)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'booth_halls', 'app': 'models', 'unique_together': (('event', 'name'),), 'pk_attr': 'id', 'table_description': 'A hall (or outdoor area) of an event, measured in metres.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Producer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('business_name', fields.CharField(max_length=160)),
                ('owner_name', fields.CharField(max_length=120)),
                ('phone', fields.CharField(max_length=20)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('kabupaten', fields.CharField(max_length=60)),
                ('address', fields.CharField(default='', max_length=300)),
                ('category', fields.CharEnumField(default=Category.LAINNYA, description='KULINER: kuliner\nKRIYA: kriya\nFESYEN: fesyen\nOLEH_OLEH: oleh-oleh\nAKSESORIS: aksesoris\nDEKORASI: dekorasi\nLAINNYA: lainnya', enum_type=Category, max_length=16)),
                ('cluster', fields.CharField(default='', db_index=True, max_length=60)),
                ('description', fields.TextField(default='', unique=False)),
                ('instagram', fields.CharField(default='', max_length=200)),
                ('facebook', fields.CharField(default='', max_length=200)),
                ('tiktok', fields.CharField(default='', max_length=200)),
                ('website', fields.CharField(default='', max_length=200)),
                ('nib', fields.CharField(default='', max_length=13)),
                ('pirt_number', fields.CharField(default='', max_length=40)),
                ('halal_number', fields.CharField(default='', max_length=60)),
                ('halal_expires_on', fields.DateField(null=True)),
                ('bpom_number', fields.CharField(default='', max_length=40)),
                ('workers', fields.IntField(default=0)),
                ('smk_workers', fields.IntField(default=0)),
                ('smk_interns', fields.IntField(default=0)),
                ('is_micro', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'producers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A business (UMKM) profile, reused across events.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=AppStatus.DRAFT, db_index=True, description='DRAFT: draft\nSUBMITTED: submitted\nACCEPTED: accepted\nWAITLISTED: waitlisted\nREJECTED: rejected\nWITHDRAWN: withdrawn', enum_type=AppStatus, max_length=12)),
                ('booth_type', fields.CharEnumField(default=BoothType.STANDARD, description='STANDARD: standard\nFOOD: food\nOUTDOOR: outdoor', enum_type=BoothType, max_length=10)),
                ('booths_needed', fields.IntField(default=1)),
                ('power_watts', fields.IntField(default=0)),
                ('needs_water', fields.BooleanField(default=False)),
                ('first_time', fields.BooleanField(default=False)),
                ('note', fields.TextField(default='', unique=False)),
                ('terms_accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decided_applications', on_delete=OnDelete.SET_NULL)),
                ('decision_message', fields.TextField(default='', unique=False)),
                ('withdrawn_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('total_score', fields.FloatField(null=True)),
                ('source', fields.CharField(default='online', max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'applications', 'app': 'models', 'unique_together': (('event', 'producer'),), 'pk_attr': 'id', 'table_description': "A producer's application to exhibit at an event."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Booth',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='booths', on_delete=OnDelete.CASCADE)),
                ('hall', fields.ForeignKeyField('models.Hall', source_field='hall_id', db_constraint=True, to_field='id', related_name='booths', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=20)),
                ('x', fields.FloatField()),
                ('y', fields.FloatField()),
                ('w', fields.FloatField(default=3)),
                ('h', fields.FloatField(default=3)),
                ('kind', fields.CharEnumField(default=BoothKind.STANDARD, description='STANDARD: standard\nCORNER: corner\nISLAND: island\nFOOD: food\nOUTDOOR: outdoor', enum_type=BoothKind, max_length=10)),
                ('zone', fields.CharField(default='', max_length=60)),
                ('price', fields.IntField(default=0)),
                ('power_watts', fields.IntField(default=0)),
                ('water', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=BoothStatus.AVAILABLE, db_index=True, description='AVAILABLE: available\nBLOCKED: blocked\nASSIGNED: assigned', enum_type=BoothStatus, max_length=10)),
                ('holder', fields.ForeignKeyField('models.Application', source_field='holder_id', null=True, db_constraint=True, to_field='id', related_name='booths', on_delete=OnDelete.SET_NULL)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'booths', 'app': 'models', 'unique_together': (('event', 'code'),), 'pk_attr': 'id', 'table_description': "A booth on a hall's grid. ``x``, ``y``, ``w``, ``h`` in metres from the top left."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Assignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('models.AllocationRun', source_field='run_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('booth', fields.ForeignKeyField('models.Booth', source_field='booth_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='booth_assignments', on_delete=OnDelete.CASCADE)),
                ('locked', fields.BooleanField(default=False)),
                ('manual', fields.BooleanField(default=False)),
            ],
            options={'table': 'booth_assignments', 'app': 'models', 'unique_together': (('run', 'booth'),), 'pk_attr': 'id', 'table_description': 'A booth given to an application in a run. Unique per (run, booth).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BoothPreference',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='booth_preferences', on_delete=OnDelete.CASCADE)),
                ('rank', fields.IntField()),
                ('booth', fields.ForeignKeyField('models.Booth', source_field='booth_id', null=True, db_constraint=True, to_field='id', related_name='wished_by', on_delete=OnDelete.CASCADE)),
                ('zone', fields.CharField(default='', max_length=60)),
            ],
            options={'table': 'booth_preferences', 'app': 'models', 'unique_together': (('application', 'rank'),), 'pk_attr': 'id', 'table_description': "An exhibitor's ranked wish: a booth, or any booth of a zone."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Document',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(default=DocumentKind.OTHER, description='NIB: nib\nPIRT: pirt\nHALAL: halal\nBPOM: bpom\nKTP: ktp\nOTHER: other', enum_type=DocumentKind, max_length=10)),
                ('title', fields.CharField(default='', max_length=120)),
                ('original_name', fields.CharField(default='', max_length=200)),
                ('stored_name', fields.CharField(unique=True, max_length=60)),
                ('content_type', fields.CharField(max_length=40)),
                ('size', fields.IntField()),
                ('uploaded_by', fields.ForeignKeyField('models.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='uploaded_documents', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'producer_documents', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An uploaded PDF, JPEG or PNG, stored outside static/ under a random name.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='inbox', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='inbox_messages', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('subject', fields.CharField(max_length=200)),
                ('body', fields.TextField(default='', unique=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'producer_inbox', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A message to a producer, shown on their dashboard (also emailed).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProducerMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='producer_memberships', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'producer_members', 'app': 'models', 'unique_together': (('producer', 'user'),), 'pk_attr': 'id', 'table_description': 'A user login that may act for a producer (several logins per producer).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=120)),
                ('description', fields.TextField(default='', unique=False)),
                ('price_min', fields.IntField(default=0)),
                ('price_max', fields.IntField(default=0)),
                ('capacity_per_week', fields.IntField(default=0)),
                ('capacity_unit', fields.CharField(default='', max_length=30)),
                ('lead_time_days', fields.IntField(default=0)),
                ('photo', fields.CharField(default='', max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'products', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A product: price range in Rupiah, weekly capacity with its unit, lead time in days.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Quota',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='quotas', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='CATEGORY: category\nKABUPATEN: kabupaten', enum_type=QuotaKind, max_length=10)),
                ('key', fields.CharField(max_length=60)),
                ('limit', fields.IntField()),
            ],
            options={'table': 'curation_quotas', 'app': 'models', 'unique_together': (('event', 'kind', 'key'),), 'pk_attr': 'id', 'table_description': 'At most ``limit`` accepted applications in one category or one kabupaten.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RunOutcome',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('models.AllocationRun', source_field='run_id', db_constraint=True, to_field='id', related_name='outcomes', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='booth_outcomes', on_delete=OnDelete.CASCADE)),
                ('priority', fields.IntField(default=0)),
                ('rank', fields.IntField(null=True)),
                ('waitlist_position', fields.IntField(null=True)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'booth_run_outcomes', 'app': 'models', 'unique_together': (('run', 'application'),), 'pk_attr': 'id', 'table_description': 'What a run decided for one application: the rank obtained, reasons, waitlist place.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesReport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='sales_reports', on_delete=OnDelete.CASCADE)),
                ('producer', fields.ForeignKeyField('models.Producer', source_field='producer_id', db_constraint=True, to_field='id', related_name='sales_reports', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('omzet', fields.BigIntField(default=0, db_default=0)),
                ('units', fields.IntField(default=0, db_default=0)),
                ('per_product', fields.BooleanField(default=False, db_default=False)),
                ('note', fields.CharField(default='', max_length=300)),
                ('reported_by', fields.ForeignKeyField('models.User', source_field='reported_by_id', null=True, db_constraint=True, to_field='id', related_name='sales_reports', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'sales_reports', 'app': 'models', 'unique_together': (('event', 'producer', 'day'),), 'pk_attr': 'id', 'table_description': "A producer's sales on one event day: omzet (IDR) and units sold."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('models.SalesReport', source_field='report_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='sales_lines', on_delete=OnDelete.CASCADE)),
                ('omzet', fields.BigIntField(default=0, db_default=0)),
                ('units', fields.IntField(default=0, db_default=0)),
            ],
            options={'table': 'sales_lines', 'app': 'models', 'unique_together': (('report', 'product'),), 'pk_attr': 'id', 'table_description': "The part of a day's sales made with one product."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Score',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('criterion', fields.ForeignKeyField('models.Criterion', source_field='criterion_id', db_constraint=True, to_field='id', related_name='scores', on_delete=OnDelete.CASCADE)),
                ('curator', fields.ForeignKeyField('models.User', source_field='curator_id', db_constraint=True, to_field='id', related_name='curation_scores', on_delete=OnDelete.CASCADE)),
                ('value', fields.IntField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'curation_scores', 'app': 'models', 'unique_together': (('application', 'criterion', 'curator'),), 'pk_attr': 'id', 'table_description': "One curator's score (0-5) of one criterion for one application."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VisitorGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='visitor_groups', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=160)),
                ('leader_name', fields.CharField(max_length=120)),
                ('leader_phone', fields.CharField(max_length=20)),
                ('link_token', fields.CharField(unique=True, max_length=43)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visitor_groups', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A class registered by its teacher (or any group): one ticket per member.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Visitor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='visitors', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('models.VisitorGroup', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.SET_NULL)),
                ('ticket_key', fields.CharField(unique=True, max_length=14)),
                ('link_token', fields.CharField(unique=True, max_length=43)),
                ('name', fields.CharField(max_length=120)),
                ('phone', fields.CharField(default='', db_index=True, max_length=20)),
                ('email', fields.CharField(default='', max_length=254)),
                ('type', fields.CharEnumField(default=VisitorType.UMUM, description='UMUM: umum\nPELAJAR: pelajar\nINSTANSI: instansi\nBUYER: buyer\nEXHIBITOR: exhibitor\nCOMMITTEE: committee\nGUEST: guest', enum_type=VisitorType, max_length=12)),
                ('agency', fields.CharField(default='', max_length=160)),
                ('organisation', fields.CharField(default='', max_length=160)),
                ('kabupaten', fields.CharField(default='', max_length=60)),
                ('source', fields.CharEnumField(default=Source.ONLINE, description='ONLINE: online\nGROUP: group\nKIOSK: kiosk\nSTAFF: staff', enum_type=Source, max_length=8)),
                ('consent_share', fields.BooleanField(default=False, db_default=False)),
                ('consent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('consent_revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('inside', fields.BooleanField(default=False, db_default=False)),
                ('last_in_day', fields.DateField(null=True)),
                ('last_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_out_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('entries', fields.IntField(default=0, db_default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'visitors', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('visitor', fields.ForeignKeyField('models.Visitor', source_field='visitor_id', db_constraint=True, to_field='id', related_name='contact_requests', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='contact_requests', on_delete=OnDelete.CASCADE)),
                ('consent', fields.BooleanField(default=False, db_default=False)),
                ('wants_contact', fields.BooleanField(default=False, db_default=False)),
                ('consent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'lead_contact_requests', 'app': 'models', 'unique_together': (('visitor', 'application'),), 'pk_attr': 'id', 'table_description': "A visitor's consent to share their contact with one exhibitor (and wish to be called)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DrawWinner',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('draw', fields.ForeignKeyField('models.DrawRun', source_field='draw_id', db_constraint=True, to_field='id', related_name='winners', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='draw_winners', on_delete=OnDelete.CASCADE)),
                ('visitor', fields.ForeignKeyField('models.Visitor', source_field='visitor_id', db_constraint=True, to_field='id', related_name='draw_wins', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
            ],
            options={'table': 'report_draw_winners', 'app': 'models', 'unique_together': (('event', 'visitor'),), 'pk_attr': 'id', 'table_description': 'A winner of a draw. Unique per event and visitor: nobody wins twice.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Lead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.CASCADE)),
                ('visitor', fields.ForeignKeyField('models.Visitor', source_field='visitor_id', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.CASCADE)),
                ('source', fields.CharEnumField(default=LeadSource.SCAN, description='SCAN: scan\nSAVE: save\nCONTACT: contact\nINQUIRY: inquiry', enum_type=LeadSource, max_length=8)),
                ('rating', fields.CharEnumField(null=True, description='HOT: hot\nWARM: warm\nCOLD: cold', enum_type=Rating, max_length=5)),
                ('status', fields.CharEnumField(default=LeadStatus.NEW, db_index=True, description='NEW: new\nCONTACTED: contacted\nQUOTED: quoted\nWON: won\nLOST: lost', enum_type=LeadStatus, max_length=10)),
                ('notes', fields.TextField(default='', unique=False)),
                ('tags', fields.CharField(default='', max_length=200)),
                ('value', fields.BigIntField(default=0, db_default=0)),
                ('scans', fields.IntField(default=0, db_default=0)),
                ('last_nonce', fields.CharField(default='', max_length=64)),
                ('scanned_by', fields.ForeignKeyField('models.User', source_field='scanned_by_id', null=True, db_constraint=True, to_field='id', related_name='scanned_leads', on_delete=OnDelete.SET_NULL)),
                ('first_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'leads', 'app': 'models', 'unique_together': (('application', 'visitor'),), 'pk_attr': 'id', 'table_description': 'One visitor at one exhibitor. ``value`` is in Rupiah, ``tags`` comma-separated.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Inquiry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='inquiries', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='inquiries', on_delete=OnDelete.CASCADE)),
                ('lead', fields.ForeignKeyField('models.Lead', source_field='lead_id', db_constraint=True, to_field='id', related_name='inquiries', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='inquiries', on_delete=OnDelete.SET_NULL)),
                ('product_name', fields.CharField(max_length=120)),
                ('quantity', fields.IntField()),
                ('unit', fields.CharField(default='', max_length=30)),
                ('needed_by', fields.DateField(null=True)),
                ('budget', fields.BigIntField(null=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('buyer_type', fields.CharField(default='', max_length=12)),
                ('agency', fields.CharField(default='', max_length=160)),
                ('status', fields.CharEnumField(default=InquiryStatus.OPEN, description='OPEN: open\nANSWERED: answered\nGROUPED: grouped\nCLOSED: closed', enum_type=InquiryStatus, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lead_inquiries', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A request for a product: quantity and unit, needed-by date, budget in Rupiah.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GroupedOffer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='grouped_offers', on_delete=OnDelete.CASCADE)),
                ('inquiry', fields.ForeignKeyField('models.Inquiry', source_field='inquiry_id', null=True, db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.SET_NULL)),
                ('title', fields.CharField(max_length=160)),
                ('cluster', fields.CharField(default='', max_length=60)),
                ('quantity', fields.IntField()),
                ('unit', fields.CharField(default='', max_length=30)),
                ('needed_by', fields.DateField(null=True)),
                ('agency', fields.CharField(default='', max_length=160)),
                ('status', fields.CharEnumField(default=OfferStatus.DRAFT, description='DRAFT: draft\nOFFERED: offered\nCONFIRMED: confirmed\nCANCELLED: cancelled', enum_type=OfferStatus, max_length=10)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='grouped_offers', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lead_grouped_offers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An order too large for one producer, split across producers of one cluster.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfferShare',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('offer', fields.ForeignKeyField('models.GroupedOffer', source_field='offer_id', db_constraint=True, to_field='id', related_name='shares', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='offer_shares', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='offer_shares', on_delete=OnDelete.SET_NULL)),
                ('quantity', fields.IntField()),
                ('status', fields.CharEnumField(default=ShareStatus.PROPOSED, description='PROPOSED: proposed\nACCEPTED: accepted\nDECLINED: declined\nDELIVERED: delivered', enum_type=ShareStatus, max_length=10)),
                ('note', fields.CharField(default='', max_length=300)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'lead_offer_shares', 'app': 'models', 'unique_together': (('offer', 'application'),), 'pk_attr': 'id', 'table_description': "One producer's part of a grouped offer, tracked to its own status."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SavedStand',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('visitor', fields.ForeignKeyField('models.Visitor', source_field='visitor_id', db_constraint=True, to_field='id', related_name='saved_stands', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='saved_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lead_saved_stands', 'app': 'models', 'unique_together': (('visitor', 'application'),), 'pk_attr': 'id', 'table_description': 'A stand on a visitor\'s "my expo" list.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Scan',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.CASCADE)),
                ('visitor', fields.ForeignKeyField('models.Visitor', source_field='visitor_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.CASCADE)),
                ('gate', fields.ForeignKeyField('models.Gate', source_field='gate_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.SET_NULL)),
                ('device', fields.ForeignKeyField('models.DeviceToken', source_field='device_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.SET_NULL)),
                ('nonce', fields.CharField(null=True, max_length=64)),
                ('direction', fields.CharEnumField(default=Direction.IN, description='IN: in\nOUT: out', enum_type=Direction, max_length=3)),
                ('ok', fields.BooleanField()),
                ('reason', fields.CharField(null=True, max_length=16)),
                ('forced', fields.BooleanField(default=False, db_default=False)),
                ('day', fields.DateField(null=True)),
                ('scanned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visitor_scans', 'app': 'models', 'unique_together': (('event', 'nonce'),), 'indexes': [Index(fields=['event_id', 'day', 'ok'])], 'pk_attr': 'id', 'table_description': "One scan as the device reported it, with the server's verdict (accepted or not)."},
            bases=['Model'],
        ),
    ]
