using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.Incidents.Runbooks;

namespace OpsAutomation.Core.Tests.Incidents.Runbooks;

/// <summary>The runbook engine on actions that need no cluster: webhooks, directories, scripts; rate limits, approval, WhatIf, verification.</summary>
public sealed class RunbookEngineTests : IAsyncDisposable
{
    private const string Token = "rb-secret-token-7f3a9c";
    private const string ServicePlaceholder = "${Service}";
    private const string IdPlaceholder = "${IncidentId}";
    private const string SeverityPlaceholder = "${Severity}";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedHttpServer _hook;
    private readonly RunbookHarness _harness;

    public RunbookEngineTests()
    {
        _hook = new ScriptedHttpServer(request => request.Target.StartsWith("/down", StringComparison.Ordinal) ? ScriptedReply.Answer(503, "down") : ScriptedReply.Answer(200, "ok"));
        _harness = new RunbookHarness(time: _time);
    }

    public async ValueTask DisposeAsync()
    {
        _harness.Dispose();
        await _hook.DisposeAsync();
    }

    private static string? Environment(string name) => name == "RB_TOKEN" ? Token : null;

    [Fact]
    public async Task A_rate_limit_holds_across_runs_and_frees_when_the_window_passes()
    {
        await _harness.OpenAsync();
        var file = _harness.Yaml($"""
            Runbooks:
            - Name: notify
              Steps:
              - Name: hook
                Action: Webhook
                Uri: {_hook.Url("/hook")}
                RateLimit: {"{"} Count: 2, WindowSec: 3600 {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var first = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default);
        _time.Advance(TimeSpan.FromMinutes(10));
        var second = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default);
        _time.Advance(TimeSpan.FromMinutes(10));
        var third = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default);
        _time.Advance(TimeSpan.FromMinutes(41));
        var fourth = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default);

        Assert.Equal([RunbookStepOutcome.Succeeded, RunbookStepOutcome.Succeeded, RunbookStepOutcome.RateLimited, RunbookStepOutcome.Succeeded],
            new[] { first, second, third, fourth }.Select(r => Assert.Single(r!.Steps).Outcome));
        Assert.Equal(3, _hook.Requests.Count);
        Assert.Contains("ran 2 times in the last 1h 00m (limit 2); next allowed at 2026-12-07 13:00:00Z", third!.Steps[0].Message);
        Assert.True(third.NeedsEscalation);
        Assert.False(second!.NeedsEscalation);
        var timeline = await _harness.TimelineAsync(incident.Id);
        var limited = Assert.Single(timeline, e => e.Kind == IncidentEventKind.Action && e.Details.GetValueOrDefault("outcome") == "RateLimited");
        Assert.Equal(("Webhook", $"webhook http://127.0.0.1:{_hook.Port}/hook"), (limited.Details["action"], limited.Details["target"]));
        Assert.Single(timeline, e => e.Details.GetValueOrDefault("escalate") == "true");
    }

    [Fact]
    public async Task A_webhook_posts_the_incident_with_a_secret_header_that_never_reaches_the_timeline()
    {
        await _harness.OpenAsync();
        var file = _harness.Yaml($"""
            Name: notify
            Steps:
            - Action: Webhook
              Uri: {_hook.Url("/hook/")}{ServicePlaceholder}
              Headers: {"{"} Authorization: "env:RB_TOKEN" {"}"}
              Body: {"{"} note: "for {IdPlaceholder}" {"}"}
            """);
        var incident = await _harness.IncidentAsync("checkout");

        var run = await _harness.Engine(Environment).RunAsync(file, incident.Id, RunbookHarness.Options(), default);

        Assert.Equal(RunbookStepOutcome.Succeeded, Assert.Single(run!.Steps).Outcome);
        var request = Assert.Single(_hook.Requests);
        Assert.Equal(("POST", "/hook/checkout", Token), (request.Method, request.Target, request.Headers["Authorization"]));
        var timeline = await _harness.TimelineAsync(incident.Id);
        Assert.DoesNotContain(timeline, e => e.Message.Contains(Token, StringComparison.Ordinal) || e.Details.Values.Any(v => v.Contains(Token, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_high_impact_action_without_approval_is_refused_and_changes_nothing()
    {
        await _harness.OpenAsync();
        var root = Directory.CreateDirectory(Path.Combine(_harness.Files.Path, "logs-to-clean")).FullName;
        File.WriteAllText(Path.Combine(root, "old.log"), "x");
        var file = _harness.Yaml($"""
            Name: clean
            Steps:
            - Action: CleanDirectory
              Path: {root}
              Pattern: "*.log"
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: false), default);

        var step = Assert.Single(run!.Steps);
        Assert.Equal(RunbookStepOutcome.Refused, step.Outcome);
        Assert.True(step.HighImpact);
        Assert.Contains("give -Approve", step.Message);
        Assert.True(File.Exists(Path.Combine(root, "old.log")));
        Assert.True(run.NeedsEscalation);
        var timeline = await _harness.TimelineAsync(incident.Id);
        Assert.Contains(timeline, e => e.Kind == IncidentEventKind.Action && e.Details.GetValueOrDefault("outcome") == "Refused");
    }

    [Fact]
    public async Task A_declined_approval_or_confirmation_refuses_the_step()
    {
        await _harness.OpenAsync();
        var root = Directory.CreateDirectory(Path.Combine(_harness.Files.Path, "keep")).FullName;
        File.WriteAllText(Path.Combine(root, "a.log"), "x");
        var file = _harness.Yaml($"""
            Name: clean
            Steps:
            - {"{"} Name: clean, Action: CleanDirectory, Path: "{root}" {"}"}
            - {"{"} Name: hook, Action: Webhook, Uri: "{_hook.Url()}" {"}"}
            """);
        var incident = await _harness.IncidentAsync();
        var asked = new List<string>();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options() with
        {
            Approve = (target, action) => { asked.Add($"approve {target}: {action}"); return Task.FromResult(false); },
            Confirm = (target, action) => { asked.Add($"confirm {target}: {action}"); return Task.FromResult(false); },
        }, default);

        Assert.Equal([RunbookStepOutcome.Refused, RunbookStepOutcome.Refused], run!.Steps.Select(s => s.Outcome));
        Assert.Equal([$"approve directory {root}: CleanDirectory: delete files matching '*', at most 1000", $"confirm webhook http://127.0.0.1:{_hook.Port}/: Webhook: POST the incident as JSON"], asked);
        Assert.Empty(_hook.Requests);
        Assert.True(File.Exists(Path.Combine(root, "a.log")));
    }

    [Fact]
    public async Task WhatIf_changes_nothing_writes_nothing_and_says_what_each_step_would_do()
    {
        await _harness.OpenAsync();
        var root = Directory.CreateDirectory(Path.Combine(_harness.Files.Path, "whatif")).FullName;
        File.WriteAllText(Path.Combine(root, "a.log"), "x");
        var file = _harness.Yaml($"""
            Name: both
            Steps:
            - {"{"} Name: clean, Action: CleanDirectory, Path: "{root}", Pattern: "*.log" {"}"}
            - {"{"} Name: hook, Action: Webhook, Uri: "{_hook.Url()}" {"}"}
            Verify: {"{"} Uri: "{_hook.Url("/health")}", SuccessCount: 1 {"}"}
            """);
        var incident = await _harness.IncidentAsync();
        var before = (await _harness.TimelineAsync(incident.Id)).Count;

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(whatIf: true), default);

        Assert.Equal([RunbookStepOutcome.WhatIf, RunbookStepOutcome.WhatIf], run!.Steps.Select(s => s.Outcome));
        Assert.Equal("would delete files matching '*.log', at most 1000 (high-impact: a non-interactive run refuses it without -Approve)", run.Steps[0].Message);
        Assert.Equal("would POST the incident as JSON", run.Steps[1].Message);
        Assert.Null(run.Verified);
        Assert.StartsWith("would verify: ", run.Verification);
        Assert.False(run.NeedsEscalation);
        Assert.True(run.WhatIf);
        Assert.True(File.Exists(Path.Combine(root, "a.log")));
        Assert.Empty(_hook.Requests);
        Assert.Equal(before, (await _harness.TimelineAsync(incident.Id)).Count);
        Assert.True((await _harness.Actions.PeekAsync($"Webhook|webhook http://127.0.0.1:{_hook.Port}/", 1, TimeSpan.FromHours(1), _time.GetUtcNow(), default)).Allowed);
    }

    [Fact]
    public async Task A_remediation_that_fails_part_way_keeps_what_it_did_skips_the_rest_and_escalates()
    {
        if (OperatingSystem.IsWindows()) return; // the failing script is a POSIX shell script
        await _harness.OpenAsync();
        var script = Script("fail.sh", "#!/bin/sh\necho 'cleaning up'\necho 'disk still full' >&2\nexit 3\n");
        var file = _harness.Yaml($"""
            Name: partial
            Steps:
            - {"{"} Name: notify, Action: Webhook, Uri: "{_hook.Url()}" {"}"}
            - {"{"} Name: script, Action: RunScript, Path: "{script}" {"}"}
            - {"{"} Name: notify-again, Action: Webhook, Uri: "{_hook.Url("/again")}" {"}"}
            Verify: {"{"} Uri: "{_hook.Url("/health")}", SuccessCount: 1 {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default);

        Assert.Equal([RunbookStepOutcome.Succeeded, RunbookStepOutcome.Failed, RunbookStepOutcome.Skipped], run!.Steps.Select(s => s.Outcome));
        Assert.Equal("exited with 3, not 0; output: cleaning up; error: disk still full", run.Steps[1].Message);
        Assert.Equal("not run: step 'script' failed", run.Steps[2].Message);
        Assert.Null(run.Verified);
        Assert.Equal("not verified: step 'script' failed", run.Verification);
        Assert.True(run.NeedsEscalation);
        Assert.Single(_hook.Requests);
        var timeline = await _harness.TimelineAsync(incident.Id);
        Assert.Equal(["Succeeded", "Failed", "Skipped"], timeline.Where(e => e.Kind == IncidentEventKind.Action && e.Details.ContainsKey("step")).Select(e => e.Details["outcome"]));
        var escalate = Assert.Single(timeline, e => e.Details.GetValueOrDefault("escalate") == "true");
        Assert.Equal("step 'script' failed and stopped the runbook", escalate.Details["reason"]);
    }

    [Fact]
    public async Task ContinueOnError_goes_on_after_a_failed_step()
    {
        if (OperatingSystem.IsWindows()) return;
        await _harness.OpenAsync();
        var script = Script("fail.sh", "#!/bin/sh\nexit 1\n");
        var file = _harness.Yaml($"""
            Name: go-on
            Steps:
            - {"{"} Name: script, Action: RunScript, Path: "{script}", ContinueOnError: true {"}"}
            - {"{"} Name: notify, Action: Webhook, Uri: "{_hook.Url()}", Condition: 'previous.outcome == "Failed"' {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default);

        Assert.Equal([RunbookStepOutcome.Failed, RunbookStepOutcome.Succeeded], run!.Steps.Select(s => s.Outcome));
        Assert.True(run.NeedsEscalation);
    }

    [Fact]
    public async Task A_script_past_its_timeout_is_killed_and_fails_the_step()
    {
        if (OperatingSystem.IsWindows()) return;
        await _harness.OpenAsync();
        var marker = Path.Combine(_harness.Files.Path, "finished");
        var script = Script("slow.sh", $"#!/bin/sh\necho started\nsleep 30\ntouch '{marker}'\n");
        var file = _harness.Yaml($"""
            Name: slow
            Steps:
            - {"{"} Action: RunScript, Path: "{script}", TimeoutSec: 0.5 {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default).WaitAsync(TimeSpan.FromSeconds(20));

        var step = Assert.Single(run!.Steps);
        Assert.Equal(RunbookStepOutcome.Failed, step.Outcome);
        Assert.Equal("did not finish within 500ms and was killed; output: started", step.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_script_gets_the_incident_in_its_environment_and_its_output_is_bounded()
    {
        if (OperatingSystem.IsWindows()) return;
        await _harness.OpenAsync();
        var script = Script("env.sh", "#!/bin/sh\necho \"$OPS_INCIDENT_ID $OPS_INCIDENT_SERVICE $1\"\nhead -c 200000 /dev/zero | tr '\\0' 'x'\n");
        var file = _harness.Yaml($"""
            Name: env
            Steps:
            - {"{"} Action: RunScript, Path: "{script}", Arguments: ["{SeverityPlaceholder}"], MaxOutputBytes: 1024 {"}"}
            """);
        var incident = await _harness.IncidentAsync("payments");

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default);

        var step = Assert.Single(run!.Steps);
        Assert.Equal(RunbookStepOutcome.Succeeded, step.Outcome);
        Assert.StartsWith("exited with 0; output: ...", step.Message);
        Assert.EndsWith("(truncated)", step.Message);
        Assert.True(step.Message.Length < 700);
    }

    [Fact]
    public async Task Cleaning_a_directory_never_leaves_it_nor_follows_a_symbolic_link()
    {
        await _harness.OpenAsync();
        var root = Directory.CreateDirectory(Path.Combine(_harness.Files.Path, "app-logs")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_harness.Files.Path, "precious")).FullName;
        var old = _time.GetUtcNow().UtcDateTime.AddDays(-3);
        string Old(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "data");
            File.SetLastWriteTimeUtc(path, old);
            return path;
        }
        var inside = Old(Path.Combine(root, "a.log"));
        var nested = Old(Path.Combine(root, "sub", "b.log"));
        var young = Path.Combine(root, "young.log");
        File.WriteAllText(young, "new");
        File.SetLastWriteTimeUtc(young, _time.GetUtcNow().UtcDateTime);
        var kept = Old(Path.Combine(root, "keep.txt"));
        var precious = Old(Path.Combine(outside, "c.log"));
        Directory.CreateSymbolicLink(Path.Combine(root, "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "link.log"), precious);
        var file = _harness.Yaml($"""
            Name: clean
            Steps:
            - {"{"} Action: CleanDirectory, Path: "{root}", Pattern: "*.log", OlderThanSec: 86400, Recurse: true {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default);

        var step = Assert.Single(run!.Steps);
        Assert.Equal(RunbookStepOutcome.Succeeded, step.Outcome);
        Assert.Equal($"deleted 2 files (8 bytes) under {root}; 2 symbolic links left alone (never followed)", step.Message);
        Assert.False(File.Exists(inside));
        Assert.False(File.Exists(nested));
        Assert.True(File.Exists(young));
        Assert.True(File.Exists(kept));
        Assert.True(File.Exists(precious));
        Assert.NotNull(new FileInfo(Path.Combine(root, "link.log")).LinkTarget);
    }

    [Fact]
    public async Task A_clean_root_that_is_a_symbolic_link_fails_and_deletes_nothing()
    {
        await _harness.OpenAsync();
        var real = Directory.CreateDirectory(Path.Combine(_harness.Files.Path, "real")).FullName;
        File.WriteAllText(Path.Combine(real, "a.log"), "x");
        var link = Path.Combine(_harness.Files.Path, "linked");
        Directory.CreateSymbolicLink(link, real);
        var file = _harness.Yaml($"""
            Name: clean
            Steps:
            - {"{"} Action: CleanDirectory, Path: "{link}" {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(approve: true), default);

        var step = Assert.Single(run!.Steps);
        Assert.Equal(RunbookStepOutcome.Failed, step.Outcome);
        Assert.Contains("is a symbolic link", step.Message);
        Assert.True(File.Exists(Path.Combine(real, "a.log")));
    }

    [Fact]
    public async Task Conditions_choose_steps_from_the_incident_and_the_previous_step()
    {
        await _harness.OpenAsync();
        var file = _harness.Yaml($"""
            Name: cond
            Steps:
            - {"{"} Name: critical-only, Action: Webhook, Uri: "{_hook.Url("/a")}", Condition: "severityLevel >= 3" {"}"}
            - Name: crash
              Action: Webhook
              Uri: "{_hook.Url("/b")}"
              Condition:
                Any:
                - 'signal.details.reason == "CrashLoopBackOff"'
                - All: ['service =~ "^pay"', {"{"} Not: 'previous.outcome == "Skipped"' {"}"}]
            - {"{"} Name: after-skip, Action: Webhook, Uri: "{_hook.Url("/c")}", Condition: 'steps.critical-only == "Skipped"' {"}"}
            """);
        var warning = await _harness.IncidentAsync("web", HealthSeverity.Warning, new Dictionary<string, string> { ["reason"] = "CrashLoopBackOff" });

        var run = await _harness.Engine().RunAsync(file, warning.Id, RunbookHarness.Options(), default);

        Assert.Equal([RunbookStepOutcome.Skipped, RunbookStepOutcome.Succeeded, RunbookStepOutcome.Succeeded], run!.Steps.Select(s => s.Outcome));
        Assert.Equal("condition does not hold: severityLevel >= 3: severityLevel is 1", run.Steps[0].Message);
    }

    [Fact]
    public async Task The_first_matching_runbook_runs_and_an_incident_none_matches_gets_none()
    {
        await _harness.OpenAsync();
        var file = _harness.Yaml($"""
            Runbooks:
            - Name: payments-critical
              Match: {"{"} Service: "pay*", Severity: Critical, SignalKind: [Health], Fingerprint: "health:*" {"}"}
              Steps: [{"{"} Action: Webhook, Uri: "{_hook.Url("/pay")}" {"}"}]
            - Name: anything-else
              Match: {"{"} Severity: Error {"}"}
              Steps: [{"{"} Action: Webhook, Uri: "{_hook.Url("/other")}" {"}"}]
            """);
        var payments = await _harness.IncidentAsync("payments");
        var web = await _harness.IncidentAsync("web", HealthSeverity.Error);
        var minor = await _harness.IncidentAsync("web", HealthSeverity.Warning);
        var said = new List<string>();

        var first = await _harness.Engine().RunAsync(file, payments.Id, RunbookHarness.Options(), default);
        var second = await _harness.Engine().RunAsync(file, web.Id, RunbookHarness.Options(), default);
        var none = await _harness.Engine().RunAsync(file, minor.Id, RunbookHarness.Options() with { Verbose = said.Add }, default);
        var filtered = await _harness.Engine().RunAsync(file, payments.Id, RunbookHarness.Options() with { Runbooks = ["anything*"] }, default);

        Assert.Equal(("payments-critical", "anything-else", "anything-else"), (first!.Runbook, second!.Runbook, filtered!.Runbook));
        Assert.Null(none);
        Assert.Contains(said, s => s.Contains("no runbook of", StringComparison.Ordinal) && s.Contains(minor.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_incident_id_is_an_error_naming_it()
    {
        await _harness.OpenAsync();
        var file = _harness.Yaml($"Name: x\nSteps: [{{ Action: Webhook, Uri: \"{_hook.Url()}\" }}]\n");

        var ex = await Assert.ThrowsAsync<OpsAutomation.Core.Incidents.IncidentNotFoundException>(() =>
            _harness.Engine().RunAsync(file, "INC-20260101-0042", RunbookHarness.Options(), default));

        Assert.Equal("INC-20260101-0042", ex.Id);
    }

    [Theory]
    [InlineData("/health", true)]
    [InlineData("/down", false)]
    public async Task The_verification_checks_health_and_an_unverified_remediation_escalates(string path, bool healthy)
    {
        await _harness.OpenAsync();
        var file = _harness.Yaml($"""
            Name: verify
            Steps: [{"{"} Action: Webhook, Uri: "{_hook.Url()}" {"}"}]
            Verify: {"{"} Uri: "{_hook.Url(path)}", SuccessCount: 2, IntervalSec: 0.01, WindowSec: 1 {"}"}
            """);
        var incident = await _harness.IncidentAsync();

        var run = await _harness.Engine().RunAsync(file, incident.Id, RunbookHarness.Options(), default);

        Assert.Equal(healthy, run!.Verified);
        Assert.Equal(!healthy, run.NeedsEscalation);
        var timeline = await _harness.TimelineAsync(incident.Id);
        var verification = Assert.Single(timeline, e => e.Kind == IncidentEventKind.Verification && e.Details.ContainsKey("verified"));
        Assert.Equal(healthy ? "true" : "false", verification.Details["verified"]);
        Assert.Equal(healthy ? 0 : 1, timeline.Count(e => e.Details.GetValueOrDefault("escalate") == "true"));
        // The state is left to people and to the incident's signals, verified or not.
        var after = await _harness.Incidents.GetAsync(incident.Id, default);
        Assert.Equal(incident.State, after!.State);
        Assert.DoesNotContain(timeline, e => e.Kind == IncidentEventKind.StateChange);
        // The post-mortem reads the same entries: a failed verification is an action item, a passed one is not.
        Assert.Equal(!healthy, timeline.Any(RunbookTimeline.DidNotSucceed));
    }

    private string Script(string name, string text)
    {
        var path = _harness.Files.File(name, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
