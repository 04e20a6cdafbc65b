<?php
namespace Acme\Greeter;

final class Greeter
{
    public static function hello(string $who): string
    {
        return "hello $who";
    }
}
