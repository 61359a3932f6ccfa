#Requires -Version 7.4
<#
    Renders a local HTML page in headless Chromium and returns what a test asserts about it: each
    <svg>'s rendered size and counts of its marks, the page's console errors and content security
    policy violations, its <script> elements; optionally a PNG screenshot of the whole page.

    Chromium (the Debian package chromium-headless-shell, which Install-TestTools installs; or
    chromium) starts with a temporary profile and --remote-debugging-port=0 and is driven over the
    DevTools protocol through a WebSocket. The protocol's evaluation is not subject to the page's
    CSP, so a page that forbids every script can still be measured. Every wait has a time limit;
    Chromium is stopped by its process (and its children) and the profile removed afterwards.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Collects the page's own CSP reports before any of its content runs (added to every new document).
$CspListener = @'
window.__opsCspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__opsCspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
'@

# Measures every <svg> that is a chart root (not one nested inside another svg).
$SvgFacts = @'
JSON.stringify({
  title: document.title,
  scripts: document.querySelectorAll('script').length,
  csp: window.__opsCspViolations || [],
  svgs: Array.from(document.querySelectorAll('svg')).filter(s => !s.parentElement.closest('svg')).map(s => {
    const r = s.getBoundingClientRect();
    const count = selector => s.querySelectorAll(selector).length;
    return { id: s.id, class: s.getAttribute('class') || '', ariaLabel: s.getAttribute('aria-label') || '', role: s.getAttribute('role') || '',
      width: r.width, height: r.height, marks: count('.mark'), lanes: count('.lane'), series: count('.series[data-name]'),
      bars: count('.bar'), events: count('.event'), titles: count('title') };
  })
})
'@

function Get-ChromiumPath {
    <#
    .SYNOPSIS
        The Chromium binary to drive: $env:OPS_TEST_CHROMIUM, else the real binary behind chromium-headless-shell or chromium.
    #>
    if ($env:OPS_TEST_CHROMIUM) { return $env:OPS_TEST_CHROMIUM }
    # Debian's /usr/bin entries are shell wrappers that do not exec; start the binary itself so its PID is Chromium's.
    foreach ($candidate in '/usr/lib/chromium/chromium-headless-shell', '/usr/lib/chromium/chromium') {
        if (Test-Path $candidate) { return $candidate }
    }
    foreach ($name in 'chromium-headless-shell', 'chromium') {
        $command = Get-Command $name -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if ($command) { return $command.Source }
    }
    throw 'Chromium is missing: install the Debian package chromium-headless-shell (Install-TestTools in tests/services/TestServices.psm1 does) or set OPS_TEST_CHROMIUM.'
}

function Wait-Task([System.Threading.Tasks.Task] $Task, [datetime] $Deadline, [string] $What) {
    $left = $Deadline - [datetime]::UtcNow
    if ($left -le [timespan]::Zero -or -not $Task.Wait($left)) { throw "Timed out waiting for Chromium: $What." }
    if ($Task.IsFaulted) { throw $Task.Exception.GetBaseException() }
}

# One DevTools connection: numbered commands, their replies, and the events that arrive in between.
function New-CdpConnection([string] $Url, [datetime] $Deadline) {
    $socket = [System.Net.WebSockets.ClientWebSocket]::new()
    Wait-Task $socket.ConnectAsync([uri] $Url, [System.Threading.CancellationToken]::None) $Deadline "connecting to $Url"
    @{ Socket = $socket; NextId = 0; Events = [System.Collections.Generic.List[object]]::new(); Deadline = $Deadline }
}

function Receive-CdpMessage($Cdp) {
    $buffer = [byte[]]::new(64KB)
    $message = [System.IO.MemoryStream]::new()
    $cts = [System.Threading.CancellationTokenSource]::new([math]::Max(1, ($Cdp.Deadline - [datetime]::UtcNow).TotalMilliseconds))
    try {
        do {
            $task = $Cdp.Socket.ReceiveAsync([System.ArraySegment[byte]]::new($buffer), $cts.Token)
            Wait-Task $task $Cdp.Deadline 'a DevTools message'
            $result = $task.Result
            if ($result.MessageType -eq [System.Net.WebSockets.WebSocketMessageType]::Close) { throw 'Chromium closed the DevTools connection.' }
            $message.Write($buffer, 0, $result.Count)
            # Screenshots of long pages are a few MB; anything beyond 64 MB is not a page we render.
            if ($message.Length -gt 64MB) { throw 'A DevTools message exceeded 64 MB.' }
        } until ($result.EndOfMessage)
    }
    finally { $cts.Dispose() }
    [System.Text.Encoding]::UTF8.GetString($message.ToArray()) | ConvertFrom-Json -Depth 64
}

function Send-CdpCommand($Cdp, [string] $Method, [hashtable] $Params = @{}) {
    $id = ++$Cdp.NextId
    $json = @{ id = $id; method = $Method; params = $Params } | ConvertTo-Json -Depth 32 -Compress
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($json)
    $send = $Cdp.Socket.SendAsync([System.ArraySegment[byte]]::new($bytes), [System.Net.WebSockets.WebSocketMessageType]::Text, $true, [System.Threading.CancellationToken]::None)
    Wait-Task $send $Cdp.Deadline "sending $Method"
    while ($true) {
        $reply = Receive-CdpMessage $Cdp
        if ($reply.PSObject.Properties['id'] -and $reply.id -eq $id) {
            if ($reply.PSObject.Properties['error']) { throw "DevTools $Method failed: $($reply.error.message)" }
            return $reply.result
        }
        if ($reply.PSObject.Properties['method']) { $Cdp.Events.Add($reply) }
    }
}

function Wait-CdpEvent($Cdp, [string] $Method) {
    if ($Cdp.Events | Where-Object method -EQ $Method) { return }
    while ($true) {
        $message = Receive-CdpMessage $Cdp
        if ($message.PSObject.Properties['method']) {
            $Cdp.Events.Add($message)
            if ($message.method -eq $Method) { return }
        }
    }
}

function Close-CdpConnection($Cdp) {
    try { $null = $Cdp.Socket.CloseAsync([System.Net.WebSockets.WebSocketCloseStatus]::NormalClosure, 'done', [System.Threading.CancellationToken]::None).Wait(2000) }
    catch { Write-Debug "Closing the DevTools socket: $_" }
    $Cdp.Socket.Dispose()
}

function Get-ConsoleErrors($Events) {
    foreach ($e in $Events) {
        switch ($e.method) {
            'Runtime.consoleAPICalled' {
                if ($e.params.type -in 'error', 'assert') { 'console.' + $e.params.type + ': ' + (($e.params.args | ForEach-Object { if ($_.PSObject.Properties['value']) { $_.value } else { $_.type } }) -join ' ') }
            }
            'Runtime.exceptionThrown' { 'exception: ' + $e.params.exceptionDetails.text + ' ' + ($e.params.exceptionDetails.PSObject.Properties['exception'] ? $e.params.exceptionDetails.exception.description : '') }
            'Log.entryAdded' { if ($e.params.entry.level -eq 'error') { $e.params.entry.source + ': ' + $e.params.entry.text } }
        }
    }
}

function Get-RenderedPage {
    <#
    .SYNOPSIS
        Renders a local HTML file in headless Chromium and returns facts about it: Title, Svgs
        (Id, Class, AriaLabel, Role, Width, Height, Marks, Lanes, Series, Bars, Events, Titles per chart root),
        ScriptCount, ConsoleErrors (console.error/assert, uncaught exceptions, error log entries such as a
        blocked load), CspViolations (the page's securitypolicyviolation reports, as "<directive> blocked <uri>"),
        Evaluated (the -Expression's value) and ScreenshotPath.
    .PARAMETER Path
        The HTML file.
    .PARAMETER ScreenshotPath
        Where to write a PNG of the whole page, or nothing.
    .PARAMETER Width
        The viewport's width in CSS pixels; the height follows the page for screenshots.
    .PARAMETER ColorScheme
        The prefers-color-scheme the page sees.
    .PARAMETER Expression
        A JavaScript expression evaluated in the page after load; its JSON-serialisable value is returned as Evaluated.
    .PARAMETER TimeoutSeconds
        The limit for the whole rendering, start to stop.
    .EXAMPLE
        $page = Get-RenderedPage -Path report.html -ScreenshotPath report.png
        $page.Svgs | Where-Object Id -eq 'status-timeline'
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $ScreenshotPath,
        [ValidateRange(320, 4000)] [int] $Width = 1280,
        [ValidateSet('light', 'dark')] [string] $ColorScheme = 'light',
        [string] $Expression,
        [ValidateRange(5, 300)] [int] $TimeoutSeconds = 60
    )
    $file = (Resolve-Path -LiteralPath $Path).ProviderPath
    # A PowerShell path (TestDrive:, relative to the current location) as the file system path Chromium's bytes go to.
    $png = $ScreenshotPath ? $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ScreenshotPath) : $null
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
    $profileDir = Join-Path ([System.IO.Path]::GetTempPath()) ("ops-chromium-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $profileDir | Out-Null
    $stderr = Join-Path $profileDir 'stderr.log'
    $arguments = @('--headless', '--no-first-run', '--no-default-browser-check', '--disable-gpu', '--disable-extensions', '--disable-background-networking',
        '--hide-scrollbars', '--mute-audio', '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', "--user-data-dir=$profileDir", 'about:blank')
    # Chromium's sandbox needs user namespaces that root in a container does not get.
    if ($IsLinux -and (id -u) -eq '0') { $arguments = @('--no-sandbox') + $arguments }
    $process = Start-Process -FilePath (Get-ChromiumPath) -ArgumentList $arguments -RedirectStandardError $stderr -RedirectStandardOutput (Join-Path $profileDir 'stdout.log') -PassThru
    $cdp = $null
    try {
        $browserUrl = $null
        while (-not $browserUrl) {
            if ($process.HasExited) { throw "Chromium exited with $($process.ExitCode) before DevTools listened: $(Get-Content $stderr -Raw -ErrorAction Ignore)" }
            if ([datetime]::UtcNow -gt $deadline) { throw "Chromium did not report a DevTools port within $TimeoutSeconds s: $(Get-Content $stderr -Raw -ErrorAction Ignore)" }
            $line = Select-String -Path $stderr -Pattern 'DevTools listening on (ws://\S+)' -ErrorAction Ignore | Select-Object -First 1
            if ($line) { $browserUrl = [uri] $line.Matches[0].Groups[1].Value } else { Start-Sleep -Milliseconds 100 }
        }
        $list = Invoke-RestMethod -Uri "http://127.0.0.1:$($browserUrl.Port)/json/list" -TimeoutSec 10
        $target = @($list | Where-Object type -EQ 'page')[0]
        $cdp = New-CdpConnection $target.webSocketDebuggerUrl $deadline
        foreach ($domain in 'Page', 'Runtime', 'Log') { $null = Send-CdpCommand $cdp "$domain.enable" }
        $null = Send-CdpCommand $cdp 'Emulation.setDeviceMetricsOverride' @{ width = $Width; height = 900; deviceScaleFactor = 1; mobile = $false }
        $null = Send-CdpCommand $cdp 'Emulation.setEmulatedMedia' @{ features = @(@{ name = 'prefers-color-scheme'; value = $ColorScheme }) }
        $null = Send-CdpCommand $cdp 'Page.addScriptToEvaluateOnNewDocument' @{ source = $CspListener }
        $cdp.Events.Clear()
        $navigation = Send-CdpCommand $cdp 'Page.navigate' @{ url = [System.Uri]::new($file, [System.UriKind]::Absolute).AbsoluteUri }
        if ($navigation.PSObject.Properties['errorText'] -and $navigation.errorText) { throw "Chromium could not open ${file}: $($navigation.errorText)" }
        Wait-CdpEvent $cdp 'Page.loadEventFired'

        $facts = (Send-CdpCommand $cdp 'Runtime.evaluate' @{ expression = $SvgFacts; returnByValue = $true }).result.value | ConvertFrom-Json -Depth 16
        $evaluated = $null
        if ($Expression) {
            $reply = Send-CdpCommand $cdp 'Runtime.evaluate' @{ expression = $Expression; returnByValue = $true }
            if ($reply.PSObject.Properties['exceptionDetails']) { throw "The expression failed in the page: $($reply.exceptionDetails.text)" }
            $evaluated = $reply.result.PSObject.Properties['value'] ? $reply.result.value : $null
        }
        if ($png) {
            $size = (Send-CdpCommand $cdp 'Page.getLayoutMetrics').cssContentSize
            $shot = Send-CdpCommand $cdp 'Page.captureScreenshot' @{ format = 'png'; captureBeyondViewport = $true
                clip = @{ x = 0; y = 0; width = [math]::Ceiling($size.width); height = [math]::Min(16000, [math]::Ceiling($size.height)); scale = 1 } }
            [System.IO.File]::WriteAllBytes($png, [Convert]::FromBase64String($shot.data))
        }
        # Messages logged during load may still be queued behind the replies: drain with a last round trip.
        $null = Send-CdpCommand $cdp 'Runtime.evaluate' @{ expression = '0'; returnByValue = $true }
        [pscustomobject] @{
            Path           = $file
            Title          = $facts.title
            ScriptCount    = $facts.scripts
            Svgs           = @($facts.svgs | ForEach-Object {
                    [pscustomobject] @{ Id = $_.id; Class = $_.class; AriaLabel = $_.ariaLabel; Role = $_.role; Width = $_.width; Height = $_.height
                        Marks = $_.marks; Lanes = $_.lanes; Series = $_.series; Bars = $_.bars; Events = $_.events; Titles = $_.titles }
                })
            ConsoleErrors  = @(Get-ConsoleErrors $cdp.Events)
            CspViolations  = @($facts.csp)
            Evaluated      = $evaluated
            ScreenshotPath = $png
        }
    }
    finally {
        if ($cdp) { Close-CdpConnection $cdp }
        if (-not $process.HasExited) {
            $process.Kill($true)
            $null = $process.WaitForExit(10000)
        }
        $process.Dispose()
        # Chromium's helpers may hold files for a moment after the browser process exits.
        foreach ($attempt in 1..10) {
            try { Remove-Item -LiteralPath $profileDir -Recurse -Force; break }
            catch { if ($attempt -eq 10) { Write-Warning "Could not remove ${profileDir}: $_" } else { Start-Sleep -Milliseconds 200 } }
        }
    }
}

Export-ModuleMember -Function Get-RenderedPage, Get-ChromiumPath
