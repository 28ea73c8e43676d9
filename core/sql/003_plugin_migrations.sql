-- Plugin schemas evolve through numbered migrations (plugin ABI 2,
-- rp_plugin.migrations) the host applies once each and records here, as
-- rp_schema_migrations does for the core. A plugin that requires another
-- one's tables finds out here whether they exist, also when that plugin
-- runs in another process.
CREATE TABLE plugin_migrations (
    plugin     text NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plugin, version)
);
