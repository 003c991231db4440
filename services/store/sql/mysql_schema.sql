-- Lars store schema, MySQL / MariaDB dialect.
--
-- Column names follow the original's lars_dns.sql. Idempotent: lars-store
-- applies it on every connect (CREATE ... IF NOT EXISTS, INSERT IGNORE), after
-- creating and selecting the database itself. Keep one statement per `;` and
-- no `;` inside comments: the file is split on `;` before it is sent.

-- One row per host of a module (modid, cmdid). `weight` (1..10000, the
-- host's share of the module's traffic) comes after the original's columns;
-- a database made before it existed gets it on connect.
CREATE TABLE IF NOT EXISTS RouteData (
    id int unsigned NOT NULL AUTO_INCREMENT,
    modid int NOT NULL,
    cmdid int NOT NULL,
    serverip int unsigned NOT NULL,
    serverport int unsigned NOT NULL,
    weight int unsigned NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    KEY RouteData_module (modid, cmdid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- A module's load-balancing policy (rr, wrr, hash, ewma) and panic
-- threshold (percent, 0 = off). A module without a row uses rr and 0.
CREATE TABLE IF NOT EXISTS ModulePolicy (
    modid int NOT NULL,
    cmdid int NOT NULL,
    policy varchar(8) NOT NULL,
    panic_threshold tinyint unsigned NOT NULL DEFAULT 0,
    PRIMARY KEY (modid, cmdid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- One row, id 1: whoever changes RouteData bumps version.
CREATE TABLE IF NOT EXISTS RouteVersion (
    id int unsigned NOT NULL AUTO_INCREMENT,
    version int unsigned NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

INSERT IGNORE INTO RouteVersion (id, version) VALUES (1, 0);

-- One row per changed module, tagged with the version that changed it.
CREATE TABLE IF NOT EXISTS RouteChange (
    id int unsigned NOT NULL AUTO_INCREMENT,
    modid int NOT NULL,
    cmdid int NOT NULL,
    version bigint unsigned NOT NULL,
    PRIMARY KEY (id),
    KEY RouteChange_version (version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Per module, the route version and Unix time (seconds) of its route's
-- last change, written by the same transaction as its RouteChange row. The
-- DNS service consumes RouteChange; this table keeps the last one for the
-- admin tools and the web console.
CREATE TABLE IF NOT EXISTS RouteLastChange (
    modid int NOT NULL,
    cmdid int NOT NULL,
    version bigint unsigned NOT NULL,
    changed_at bigint unsigned NOT NULL,
    PRIMARY KEY (modid, cmdid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Per-host call statistics, written by the reporter.
CREATE TABLE IF NOT EXISTS ServerCallStatus (
    modid int NOT NULL,
    cmdid int NOT NULL,
    ip int unsigned NOT NULL,
    port int unsigned NOT NULL,
    caller int unsigned NOT NULL,
    succ_cnt int unsigned NOT NULL,
    err_cnt int unsigned NOT NULL,
    ts int unsigned NOT NULL,
    overload char(1) NOT NULL,
    PRIMARY KEY (modid, cmdid, ip, port, caller)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Descriptions for a management front end. Lars itself does not read them.
CREATE TABLE IF NOT EXISTS ModIDConfig (
    id int unsigned NOT NULL AUTO_INCREMENT,
    modid int NOT NULL,
    content text NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS CmdIDConfig (
    id int unsigned NOT NULL AUTO_INCREMENT,
    cmdid int NOT NULL,
    content text NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
