//! The memory store runs the whole storage conformance suite, through `Arc<dyn Storage>`.

tijara_testkit::storage_conformance!(async {
    Some(std::sync::Arc::new(tijara_store_memory::MemoryStore::new())
        as std::sync::Arc<dyn tijara::ports::storage::Storage>)
});
