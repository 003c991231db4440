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
SELECT demo.modid, demo.cmdid, demo.serverip, demo.serverport
FROM (
    SELECT 1 AS modid, 1 AS cmdid, 2130706433 AS serverip, 9001 AS serverport
    UNION ALL SELECT 1, 1, 2130706433, 9002
    UNION ALL SELECT 1, 1, 2130706433, 9003
    UNION ALL SELECT 1, 2, 2130706433, 9011
    UNION ALL SELECT 1, 2, 2130706433, 9012
    UNION ALL SELECT 2, 1, 2130706433, 9021
) AS demo
WHERE NOT EXISTS (
    SELECT 1 FROM RouteData AS known
    WHERE known.modid = demo.modid AND known.cmdid = demo.cmdid
      AND known.serverip = demo.serverip AND known.serverport = demo.serverport
);
