//! Small builders shared by the migrations.

use sea_orm_migration::prelude::*;

/// A foreign key from `from_table.from_col` to `to_table.id`.
pub fn fk(
    from_table: impl IntoIden + 'static,
    from_col: impl IntoIden,
    to_table: impl IntoIden + 'static,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A (possibly unique) index named `name` on `table(cols…)`.
pub fn index(
    name: &str,
    table: impl IntoIden + 'static,
    cols: impl IntoIterator<Item = DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

/// Drop tables in the given order (children first).
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = DynIden>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).if_exists().to_owned())
            .await?;
    }
    Ok(())
}
