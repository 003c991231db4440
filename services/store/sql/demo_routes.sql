-- Demo routes, valid in both the MySQL and the SQLite dialect.
--
--   module 1/1: 127.0.0.1:9001, 127.0.0.1:9002, 127.0.0.1:9003
--   module 1/2: 127.0.0.1:9011, 127.0.0.1:9012
--   module 2/1: 127.0.0.1:9021
--
-- 2130706433 is 127.0.0.1 as a*2^24 + b*2^16 + c*2^8 + d. Each row is
-- inserted only if it is not there yet, so applying the file twice adds
-- nothing. It bumps no RouteVersion and writes no RouteChange: apply it
-- before the DNS service starts, or wait for its periodic full reload.

INSERT INTO RouteData (modid, cmdid, serverip, serverport)
SELECT 1, 1, 2130706433, 9001 FROM RouteVersion
WHERE id = 1 AND NOT EXISTS (
    SELECT 1 FROM RouteData
    WHERE modid = 1 AND cmdid = 1 AND serverip = 2130706433 AND serverport = 9001
);

INSERT INTO RouteData (modid, cmdid, serverip, serverport)
SELECT 1, 1, 2130706433, 9002 FROM RouteVersion
WHERE id = 1 AND NOT EXISTS (
    SELECT 1 FROM RouteData
    WHERE modid = 1 AND cmdid = 1 AND serverip = 2130706433 AND serverport = 9002
);

INSERT INTO RouteData (modid, cmdid, serverip, serverport)
SELECT 1, 1, 2130706433, 9003 FROM RouteVersion
WHERE id = 1 AND NOT EXISTS (
    SELECT 1 FROM RouteData
    WHERE modid = 1 AND cmdid = 1 AND serverip = 2130706433 AND serverport = 9003
);

INSERT INTO RouteData (modid, cmdid, serverip, serverport)
SELECT 1, 2, 2130706433, 9011 FROM RouteVersion
WHERE id = 1 AND NOT EXISTS (
    SELECT 1 FROM RouteData
    WHERE modid = 1 AND cmdid = 2 AND serverip = 2130706433 AND serverport = 9011
);

INSERT INTO RouteData (modid, cmdid, serverip, serverport)
SELECT 1, 2, 2130706433, 9012 FROM RouteVersion
WHERE id = 1 AND NOT EXISTS (
    SELECT 1 FROM RouteData
    WHERE modid = 1 AND cmdid = 2 AND serverip = 2130706433 AND serverport = 9012
);

INSERT INTO RouteData (modid, cmdid, serverip, serverport)
SELECT 2, 1, 2130706433, 9021 FROM RouteVersion
WHERE id = 1 AND NOT EXISTS (
    SELECT 1 FROM RouteData
    WHERE modid = 2 AND cmdid = 1 AND serverip = 2130706433 AND serverport = 9021
);
