<?php
// Renders Smarty 4 templates the way Shoporama does (delimiters `<{` `}>`, UTF-8).
//
// stdin:  {"smarty": "/usr/share/php/smarty4/Smarty.class.php",
//          "renders": [{"template": "…", "vars": {"app_vars": {…}, "order": {"$object": {…}}, …}}, …]}
// stdout: {"results": [{"output": "…" | null, "error": null | "…", "notices": ["…"]}, …]}
//
// A JSON object {"$object": {"getName": "x", "getProducts": [...]}} becomes an object whose
// methods return those values (as Shoporama's Safe* template objects do); any other JSON
// object becomes a PHP array. Every PHP notice, warning and deprecation raised while a
// template compiles or renders is returned in `notices`, so callers can require none.
// Used by shoporama-app's tests and by `<app> preview`.

final class ShoporamaSampleObject
{
    private array $methods;

    public function __construct(array $methods)
    {
        $this->methods = $methods;
    }

    public function __call(string $name, array $arguments)
    {
        if (!array_key_exists($name, $this->methods)) {
            trigger_error("sample object has no method $name()", E_USER_WARNING);
            return null;
        }
        return $this->methods[$name];
    }
}

function shoporama_sample_value($value)
{
    if (is_array($value)) {
        if (count($value) === 1 && array_key_exists('$object', $value) && is_array($value['$object'])) {
            return new ShoporamaSampleObject(array_map('shoporama_sample_value', $value['$object']));
        }
        return array_map('shoporama_sample_value', $value);
    }
    return $value;
}

$input = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
require_once $input['smarty'];

$compile_dir = sys_get_temp_dir() . '/shoporama-app-smarty-' . getmypid();
@mkdir($compile_dir, 0700, true);

$notices = [];
set_error_handler(function (int $level, string $message) use (&$notices) {
    $notices[] = $message;
    return true;
});

$results = [];
foreach ($input['renders'] as $render) {
    $notices = [];
    $smarty = new Smarty();
    $smarty->setCompileDir($compile_dir);
    $smarty->setCacheDir($compile_dir);
    $smarty->setLeftDelimiter('<{');
    $smarty->setRightDelimiter('}>');
    $smarty->setCaching(Smarty::CACHING_OFF);
    foreach (($render['vars'] ?? []) as $name => $value) {
        $smarty->assign($name, shoporama_sample_value($value));
    }
    try {
        $output = $smarty->fetch('eval:' . $render['template']);
        $results[] = ['output' => $output, 'error' => null, 'notices' => $notices];
    } catch (Throwable $e) {
        $results[] = ['output' => null, 'error' => get_class($e) . ': ' . $e->getMessage(), 'notices' => $notices];
    }
}
restore_error_handler();
foreach (glob($compile_dir . '/*') ?: [] as $file) {
    @unlink($file);
}
@rmdir($compile_dir);

echo json_encode(['results' => $results], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
