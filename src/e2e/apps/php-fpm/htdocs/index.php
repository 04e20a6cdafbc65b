<?php
printf("php-fpm ok sapi=%s server=%s uid=%d pool-env=%s\n", PHP_SAPI, explode("/", $_SERVER["SERVER_SOFTWARE"] ?? "?")[0], posix_getuid(), getenv("FROM_FPM_D"));
