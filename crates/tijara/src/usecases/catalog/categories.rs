//! Changing a category: its slug, its names, its place in the tree. The storage follows a
//! category's names into its products' search rows in the same commit (see
//! [`Storage::search`](crate::ports::storage::Storage::search)): once renamed, its products are
//! found by the new name and no longer by the old one.

use super::*;

/// What changes in a category ([`Catalog::update_category`]); what is left `None` stays.
///
/// ```
/// use tijara::usecases::catalog::CategoryUpdate;
/// use tijara_core::{Lang, LocalizedText};
///
/// let rename = CategoryUpdate::new().with_name(
///     LocalizedText::new().with(Lang::FR, "Tapis").with(Lang::EN, "Rugs"),
/// );
/// assert!(rename.name.is_some() && rename.parent.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryUpdate {
    /// A new slug.
    pub slug: Option<String>,
    /// New names (every language: the names not given are removed).
    pub name: Option<LocalizedText>,
    /// A new place: `Some(None)` a top-level category, `Some(Some(id))` under `id`.
    pub parent: Option<Option<CategoryId>>,
}

impl CategoryUpdate {
    /// Changes nothing yet (see the `with_*` methods).
    pub fn new() -> Self {
        Self::default()
    }

    /// With a new slug.
    #[must_use]
    pub fn with_slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    /// With new names, in every language.
    #[must_use]
    pub fn with_name(mut self, name: LocalizedText) -> Self {
        self.name = Some(name);
        self
    }

    /// Moved under `parent`.
    #[must_use]
    pub fn with_parent(mut self, parent: CategoryId) -> Self {
        self.parent = Some(Some(parent));
        self
    }

    /// Moved to the top level.
    #[must_use]
    pub fn top_level(mut self) -> Self {
        self.parent = Some(None);
        self
    }
}

/// How deep a category tree may go (a longer chain of parents is refused as a loop).
const MAX_DEPTH: usize = 32;

impl Catalog<'_> {
    /// Renames a category, changes its slug or moves it. Its products' search rows follow in
    /// the same commit: they are found by the new names, no longer by the old ones.
    ///
    /// Refused: an empty slug or set of names ([`TijaraError::InvalidField`] `category.slug`,
    /// `category.name`), a parent that does not exist ([`TijaraError::NotFound`]) or that is
    /// the category itself or one of its subcategories ([`TijaraError::InvalidField`]
    /// `category.parent`), a slug another category holds (a conflict).
    ///
    /// ```no_run
    /// # async fn f(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
    /// use tijara::usecases::catalog::CategoryUpdate;
    /// use tijara_core::{CategoryId, Lang, LocalizedText};
    ///
    /// let rugs = CategoryId::new("tents")?;
    /// let names = LocalizedText::new().with(Lang::FR, "Tapis").with(Lang::EN, "Rugs");
    /// engine.catalog().update_category(&rugs, CategoryUpdate::new().with_name(names), None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_category(
        self,
        id: &CategoryId,
        update: CategoryUpdate,
        key: Option<&IdempotencyKey>,
    ) -> Result<Category, TijaraError> {
        let e = self.engine;
        if let Some(slug) = &update.slug {
            check_text("category.slug", slug, 80)?;
        }
        if update
            .name
            .as_ref()
            .is_some_and(|n| n.iter().all(|(_, t)| t.trim().is_empty()))
        {
            return Err(TijaraError::InvalidField {
                field: "category.name",
                rule: "must have a name in at least one language".into(),
            });
        }
        let (update,) = (&update,);
        e.mutate("update_category", key, &(id, update), || async move {
            let mut current: Loaded<Category> = e.load(DocKind::Category, id.as_str()).await?;
            if let Some(Some(parent)) = &update.parent {
                // Up from the new parent: the category must not be among its ancestors.
                let mut at = Some(parent.clone());
                let mut depth = 0;
                while let Some(p) = at {
                    if &p == id || depth == MAX_DEPTH {
                        return Err(TijaraError::InvalidField {
                            field: "category.parent",
                            rule: format!(
                                "must not be the category itself or one of its subcategories \
                                 ({parent} is); choose a category outside {id}"
                            ),
                        });
                    }
                    at = e
                        .load::<Category>(DocKind::Category, p.as_str())
                        .await?
                        .value
                        .parent;
                    depth += 1;
                }
            }
            let c = &mut current.value;
            if let Some(slug) = &update.slug {
                c.slug = slug.clone();
            }
            if let Some(name) = &update.name {
                c.name = name.clone();
            }
            if let Some(parent) = &update.parent {
                c.parent = parent.clone();
            }
            let w = Write::new(DocKind::Category, id.as_str(), Some(current.version))
                .keys(vec![format!("slug:{}", c.slug)])
                .body(c)?;
            Ok((
                current.value,
                Changeset {
                    docs: vec![w],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }
}
