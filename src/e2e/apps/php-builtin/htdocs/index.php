<?php
// Served by PHP's built-in server from BP_PHP_WEB_DIR=htdocs; bz2 comes from .php.ini.d.
$packed = bzcompress(str_repeat("php ", 100));
printf("php-builtin ok %s sapi=%s bz2=%s uid=%d\n", PHP_VERSION, PHP_SAPI, strlen(bzdecompress($packed)) === 400 ? "works" : "broken", posix_getuid());
