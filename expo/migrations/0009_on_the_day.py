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


# Frozen copy of expo.regions.sql_mapping() when this step was written: the key of a place
# (lower-case letters only, without "Kabupaten", "Kab.", "Kota", "Kaltim") to its canonical
# kabupaten/kota; places outside Kalimantan Timur become 'luar-kaltim'.
REGION_KEYS = {
    'aceh': 'luar-kaltim', 'ambon': 'luar-kaltim', 'babel': 'luar-kaltim', 'bali': 'luar-kaltim',
    'balikpapan': 'Kota Balikpapan', 'balikpapn': 'Kota Balikpapan',
    'bandarlampung': 'luar-kaltim', 'bandung': 'luar-kaltim', 'bangkabelitung': 'luar-kaltim',
    'banjarbaru': 'luar-kaltim', 'banjarmasin': 'luar-kaltim', 'banten': 'luar-kaltim',
    'banyuwangi': 'luar-kaltim', 'batam': 'luar-kaltim', 'bekasi': 'luar-kaltim',
    'bengkulu': 'luar-kaltim', 'berau': 'Kabupaten Berau', 'bogor': 'luar-kaltim',
    'bontang': 'Kota Bontang', 'bpn': 'Kota Balikpapan', 'bpp': 'Kota Balikpapan',
    'btg': 'Kota Bontang', 'bulukumba': 'luar-kaltim', 'cirebon': 'luar-kaltim',
    'denpasar': 'luar-kaltim', 'depok': 'luar-kaltim', 'diyogyakarta': 'luar-kaltim',
    'dkijakarta': 'luar-kaltim', 'gorontalo': 'luar-kaltim', 'gresik': 'luar-kaltim',
    'grogot': 'Kabupaten Paser', 'jabar': 'luar-kaltim', 'jabodetabek': 'luar-kaltim',
    'jakarta': 'luar-kaltim', 'jakartabarat': 'luar-kaltim', 'jakartapusat': 'luar-kaltim',
    'jakartaselatan': 'luar-kaltim', 'jakartatimur': 'luar-kaltim', 'jakartautara': 'luar-kaltim',
    'jambi': 'luar-kaltim', 'jateng': 'luar-kaltim', 'jatim': 'luar-kaltim',
    'jawa': 'luar-kaltim', 'jawabarat': 'luar-kaltim', 'jawatengah': 'luar-kaltim',
    'jawatimur': 'luar-kaltim', 'jayapura': 'luar-kaltim', 'jember': 'luar-kaltim',
    'jogja': 'luar-kaltim', 'jogjakarta': 'luar-kaltim', 'kalbar': 'luar-kaltim',
    'kalimantanbarat': 'luar-kaltim', 'kalimantanselatan': 'luar-kaltim',
    'kalimantantengah': 'luar-kaltim', 'kalimantanutara': 'luar-kaltim', 'kalsel': 'luar-kaltim',
    'kaltara': 'luar-kaltim', 'kalteng': 'luar-kaltim',
    'kartanegara': 'Kabupaten Kutai Kartanegara', 'kediri': 'luar-kaltim',
    'kendari': 'luar-kaltim', 'kepri': 'luar-kaltim', 'kepulauanriau': 'luar-kaltim',
    'kotabaru': 'luar-kaltim', 'kubar': 'Kabupaten Kutai Barat',
    'kukar': 'Kabupaten Kutai Kartanegara', 'kupang': 'luar-kaltim',
    'kutaibarat': 'Kabupaten Kutai Barat', 'kutaikartanegara': 'Kabupaten Kutai Kartanegara',
    'kutaikertanegara': 'Kabupaten Kutai Kartanegara', 'kutaitimur': 'Kabupaten Kutai Timur',
    'kutim': 'Kabupaten Kutai Timur', 'lampung': 'luar-kaltim', 'luar': 'luar-kaltim',
    'luardaerah': 'luar-kaltim', 'luarkalimantantimur': 'luar-kaltim',
    'luarkaltim': 'luar-kaltim', 'luarkota': 'luar-kaltim', 'luarprovinsi': 'luar-kaltim',
    'mahakamulu': 'Kabupaten Mahakam Ulu', 'mahulu': 'Kabupaten Mahakam Ulu',
    'makasar': 'luar-kaltim', 'makassar': 'luar-kaltim', 'malang': 'luar-kaltim',
    'malaysia': 'luar-kaltim', 'malinau': 'luar-kaltim', 'maluku': 'luar-kaltim',
    'malukuutara': 'luar-kaltim', 'malut': 'luar-kaltim', 'mamuju': 'luar-kaltim',
    'manado': 'luar-kaltim', 'manokwari': 'luar-kaltim', 'martapura': 'luar-kaltim',
    'mataram': 'luar-kaltim', 'medan': 'luar-kaltim', 'ntb': 'luar-kaltim', 'ntt': 'luar-kaltim',
    'nunukan': 'luar-kaltim', 'nusatenggarabarat': 'luar-kaltim',
    'nusatenggaratimur': 'luar-kaltim', 'outside': 'luar-kaltim',
    'outsidekalimantantimur': 'luar-kaltim', 'padang': 'luar-kaltim',
    'palangkaraya': 'luar-kaltim', 'palembang': 'luar-kaltim', 'palu': 'luar-kaltim',
    'pangkalpinang': 'luar-kaltim', 'papua': 'luar-kaltim', 'papuabarat': 'luar-kaltim',
    'papuabaratdaya': 'luar-kaltim', 'papuapegunungan': 'luar-kaltim',
    'papuaselatan': 'luar-kaltim', 'papuatengah': 'luar-kaltim', 'parepare': 'luar-kaltim',
    'paser': 'Kabupaten Paser', 'pasir': 'Kabupaten Paser', 'pekanbaru': 'luar-kaltim',
    'penajam': 'Kabupaten Penajam Paser Utara',
    'penajampaserutara': 'Kabupaten Penajam Paser Utara', 'pontianak': 'luar-kaltim',
    'ppu': 'Kabupaten Penajam Paser Utara', 'riau': 'luar-kaltim', 'samarinda': 'Kota Samarinda',
    'sangata': 'Kabupaten Kutai Timur', 'sangatta': 'Kabupaten Kutai Timur',
    'semarang': 'luar-kaltim', 'sendawar': 'Kabupaten Kutai Barat', 'serang': 'luar-kaltim',
    'sidoarjo': 'luar-kaltim', 'singapura': 'luar-kaltim', 'smd': 'Kota Samarinda',
    'smr': 'Kota Samarinda', 'solo': 'luar-kaltim', 'sorong': 'luar-kaltim',
    'sulawesi': 'luar-kaltim', 'sulawesibarat': 'luar-kaltim', 'sulawesiselatan': 'luar-kaltim',
    'sulawesitengah': 'luar-kaltim', 'sulawesitenggara': 'luar-kaltim',
    'sulawesiutara': 'luar-kaltim', 'sulbar': 'luar-kaltim', 'sulsel': 'luar-kaltim',
    'sulteng': 'luar-kaltim', 'sultra': 'luar-kaltim', 'sulut': 'luar-kaltim',
    'sumatera': 'luar-kaltim', 'sumaterabarat': 'luar-kaltim', 'sumateraselatan': 'luar-kaltim',
    'sumaterautara': 'luar-kaltim', 'sumatra': 'luar-kaltim', 'sumatrabarat': 'luar-kaltim',
    'sumatraselatan': 'luar-kaltim', 'sumatrautara': 'luar-kaltim', 'sumbar': 'luar-kaltim',
    'sumsel': 'luar-kaltim', 'sumut': 'luar-kaltim', 'surabaya': 'luar-kaltim',
    'surakarta': 'luar-kaltim', 'tabalong': 'luar-kaltim', 'tanahbumbu': 'luar-kaltim',
    'tanahgrogot': 'Kabupaten Paser', 'tangerang': 'luar-kaltim',
    'tangerangselatan': 'luar-kaltim', 'tanjung': 'luar-kaltim', 'tanjungpinang': 'luar-kaltim',
    'tanjungredeb': 'Kabupaten Berau', 'tanjungredep': 'Kabupaten Berau',
    'tanjungselor': 'luar-kaltim', 'tarakan': 'luar-kaltim', 'tasikmalaya': 'luar-kaltim',
    'tenggarong': 'Kabupaten Kutai Kartanegara', 'ternate': 'luar-kaltim',
    'ujohbilang': 'Kabupaten Mahakam Ulu', 'yogya': 'luar-kaltim', 'yogyakarta': 'luar-kaltim',
}
REGION_NOISE = ("kabupaten", "kotamadya", "kota madya", "kodya", "kab.", "kab ", "kota ",
                "kalimantan timur", "kaltim", "provinsi", "prov.", " ", ".", ",", "-", "(", ")",
                "/", "'")
REGION_TABLES = ("producers", "visitors", "proc_organisations", "proc_requests")


def region_key_sql(column: str) -> str:
    """The key of a place, in SQL that SQLite and PostgreSQL both run."""
    expr = f"LOWER(TRIM({column}))"
    for word in REGION_NOISE:
        quoted = word.replace("'", "''")
        expr = f"REPLACE({expr}, '{quoted}', '')"
    return expr


def canonical_regions_sql(table: str) -> str:
    """One UPDATE: every row whose kabupaten is a known spelling gets the canonical name."""
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in REGION_KEYS.items())
    canonical = ", ".join(f"'{v}'" for v in sorted(set(REGION_KEYS.values())))
    return (f"UPDATE {table} SET kabupaten = CASE {region_key_sql('kabupaten')} {whens} "  # noqa: S608
            f"ELSE kabupaten END WHERE kabupaten <> '' AND kabupaten NOT IN ({canonical})")


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
            field=fields.CharField(default='', db_default='', max_length=300),
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
        # Data: kabupaten/kota written loosely ("Kukar", "Kota Samarinda") become canonical.
        ops.RunSQL([canonical_regions_sql(table) for table in REGION_TABLES],
                   reverse_sql=ops.RunSQL.noop),
    ]
