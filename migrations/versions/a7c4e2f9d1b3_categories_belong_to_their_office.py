"""categories belong to their office; offices carry an address and a logo

Revision ID: a7c4e2f9d1b3
Revises: b9d4e6f2a8c1
Create Date: 2026-12-01 19:30:00

The global categories (keyed by code, the seed office's name in their text) become each office's
own: every existing office gets a copy of every existing category with its own name where the
seed named its office, and items point at (office_id, code) of their own office.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c4e2f9d1b3'
down_revision = 'b9d4e6f2a8c1'
branch_labels = None
depends_on = None

# Written out as they are at this revision: a migration means the same thing forever.
SEED_OFFICE = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒"
SHORT_NAMES = {
    "1.1": "กฎระเบียบ ข้อบังคับ", "1.2": "นโยบาย แผนพัฒนาการศึกษา", "1.3": "กิจกรรม โครงการ",
    "1.4": "ข้อมูลพื้นฐาน โครงสร้าง", "1.5": "ผู้บริหาร", "1.6": "แผนปฏิบัติการประจำปี",
    "1.7": "ประสิทธิภาพการบริหาร", "1.8": "ข้อมูลสารสนเทศ", "1.9": "จัดซื้อจัดจ้าง",
    "1.10": "คู่มือการปฏิบัติงาน", "1.11": "มาตรฐานการให้บริการ", "1.12": "ผลสำเร็จการดำเนินงาน",
    "1.13": "แลกเปลี่ยนเรียนรู้", "1.14": "รายงานออนไลน์", "1.15": "ผลสัมฤทธิ์ทางการศึกษา",
    "1.16": "นวัตกรรมทางการศึกษา", "1.17": "บุคคล/หน่วยงานต้นแบบ", "1.18": "ข้อมูลอื่น ๆ",
}
MINIMUM = ("1.2", "1.4", "1.5", "1.6", "1.9", "1.10", "1.11")
ITEM_TABLES = ("submissions", "publications")


def upgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('logo', sa.String(length=500), nullable=True))
    conn = op.get_bind()
    old = conn.execute(sa.text("SELECT code, name, sort_order, regulated FROM categories")).all()
    offices = conn.execute(sa.text("SELECT id, name FROM offices")).all()
    for table in ITEM_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_category_code_categories', type_='foreignkey')
    op.drop_table('categories')
    categories = op.create_table(
        'categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('short_name', sa.String(length=60), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('regulated', sa.Boolean(), nullable=False),
        sa.Column('minimum', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_categories_office_id_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
        sa.UniqueConstraint('office_id', 'code', name=op.f('uq_categories_office_id')),
    )
    rows = [
        {"office_id": office.id, "code": c.code, "name": c.name.replace(SEED_OFFICE, office.name),
         "short_name": SHORT_NAMES.get(c.code, c.code), "sort_order": c.sort_order,
         "regulated": bool(c.regulated), "minimum": c.code in MINIMUM, "active": True}
        for office in offices for c in old
    ]
    if rows:
        op.bulk_insert(categories, rows)
    for table in ITEM_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f'fk_{table}_category_categories', 'categories',
                                        ['office_id', 'category_code'], ['office_id', 'code'])


def downgrade() -> None:
    conn = op.get_bind()
    # The global table had one row per code: the first office's (its name was the seed's).
    first = conn.execute(sa.text(
        "SELECT code, name, sort_order, regulated FROM categories "
        "WHERE office_id = (SELECT MIN(office_id) FROM categories)")).all()
    for table in ITEM_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_category_categories', type_='foreignkey')
    op.drop_table('categories')
    categories = op.create_table(
        'categories',
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('regulated', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_categories')),
    )
    if first:
        op.bulk_insert(categories, [dict(r._mapping) for r in first])
    for table in ITEM_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f'fk_{table}_category_code_categories', 'categories',
                                        ['category_code'], ['code'])
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('logo')
        batch_op.drop_column('address')
