-- Lars store schema, SQLite dialect: the tables of mysql_schema.sql with the
-- same names and columns. SQLite integers are 64-bit, so the unsigned 32-bit
-- values of the MySQL schema fit as they are. Idempotent: lars-store applies
-- it every time it opens a database file.

-- One row per host of a module (modid, cmdid); `weight` as in the MySQL
-- schema (a database made before it existed gets it on open).
CREATE TABLE IF NOT EXISTS RouteData (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    modid INTEGER NOT NULL,
    cmdid INTEGER NOT NULL,
    serverip INTEGER NOT NULL,
    serverport INTEGER NOT NULL,
    weight INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS RouteData_module ON RouteData (modid, cmdid);

-- A module's load-balancing policy and panic threshold (see the MySQL
-- schema).
CREATE TABLE IF NOT EXISTS ModulePolicy (
    modid INTEGER NOT NULL,
    cmdid INTEGER NOT NULL,
    policy TEXT NOT NULL,
    panic_threshold INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (modid, cmdid)
);

-- One row, id 1: whoever changes RouteData bumps version.
CREATE TABLE IF NOT EXISTS RouteVersion (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version INTEGER NOT NULL
);

INSERT OR IGNORE INTO RouteVersion (id, version) VALUES (1, 0);

-- One row per changed module, tagged with the version that changed it.
CREATE TABLE IF NOT EXISTS RouteChange (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    modid INTEGER NOT NULL,
    cmdid INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS RouteChange_version ON RouteChange (version);

-- Per module, the version and Unix time (seconds) of its route's last
-- change; kept when RouteChange rows are consumed (see the MySQL schema).
CREATE TABLE IF NOT EXISTS RouteLastChange (
    modid INTEGER NOT NULL,
    cmdid INTEGER NOT NULL,
    version INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (modid, cmdid)
);

-- Per-host call statistics, written by the reporter.
CREATE TABLE IF NOT EXISTS ServerCallStatus (
    modid INTEGER NOT NULL,
    cmdid INTEGER NOT NULL,
    ip INTEGER NOT NULL,
    port INTEGER NOT NULL,
    caller INTEGER NOT NULL,
    succ_cnt INTEGER NOT NULL,
    err_cnt INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    overload CHAR(1) NOT NULL,
    PRIMARY KEY (modid, cmdid, ip, port, caller)
);

-- Descriptions for a management front end. Lars itself does not read them.
CREATE TABLE IF NOT EXISTS ModIDConfig (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    modid INTEGER NOT NULL,
    content TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS CmdIDConfig (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cmdid INTEGER NOT NULL,
    content TEXT NOT NULL
);
