<?php
require __DIR__ . '/vendor/autoload.php';
printf("php-composer ok %s gd=%s\n", \Acme\Greeter\Greeter::hello("from greeter"), function_exists("imagecreatetruecolor") ? "yes" : "no");
