<?php
// Counts this session's requests; the session lives where the php-*-session binding says.
session_start();
$_SESSION["hits"] = ($_SESSION["hits"] ?? 0) + 1;
printf("php-session hits=%d handler=%s\n", $_SESSION["hits"], ini_get("session.save_handler"));
