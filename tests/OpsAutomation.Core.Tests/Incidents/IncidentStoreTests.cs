using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.Incidents;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Health;
using OpsAutomation.Models.Incidents;

namespace OpsAutomation.Core.Tests.Incidents;

public sealed class IncidentStoreTests : IDisposable
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9-incident-token-9x";
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private async Task<IncidentStore> OpenAsync(int maxSignals = IncidentStore.DefaultMaxSignals) =>
        new(await StateStore.OpenAsync(_dir.Path, CancellationToken.None), _time) { MaxSignals = maxSignals };

    private IncidentSignal Signal(string fingerprint = "health:checkout", bool firing = true, string service = "checkout", string summary = "checkout is Unhealthy") => new()
    {
        Kind = IncidentSignalKind.Health, Fingerprint = fingerprint, Service = service, Firing = firing, Severity = HealthSeverity.Critical,
        Summary = summary, Timestamp = _time.GetUtcNow(),
    };

    private Incident Draft(string service = "checkout", string fingerprint = "health:checkout")
    {
        var now = _time.GetUtcNow();
        return new Incident
        {
            Id = "", Title = $"{service} is Unhealthy", Service = service, Severity = HealthSeverity.Critical, State = IncidentState.Triggered,
            Fingerprint = fingerprint, Signals = [Signal(fingerprint, service: service)], DetectedAt = now, OpenedAt = now, Timestamp = now,
            Timeline = [new IncidentTimelineEntry { Timestamp = now, Kind = IncidentEventKind.Detected, Actor = "test", Message = "opened" }],
        };
    }

    [Fact]
    public async Task A_store_of_the_previous_schema_is_migrated_to_one_with_incidents()
    {
        var path = Path.Combine(_dir.Path, StateStore.FileName);
        var previous = StateSchema.Migrations.Count - 1;
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join('\n', StateSchema.Migrations.Take(previous)) + $"\nPRAGMA user_version = {previous};";
            await command.ExecuteNonQueryAsync();
        }

        var incidents = await OpenAsync();

        Assert.Equal(StateStore.CurrentSchemaVersion, await incidents.State.GetSchemaVersionAsync(CancellationToken.None));
        var created = await incidents.CreateAsync(Draft(), CancellationToken.None);
        Assert.Equal(created.Id, (await incidents.GetAsync(created.Id, CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task Ids_are_numbered_per_utc_day_and_read_back_case_insensitively()
    {
        var incidents = await OpenAsync();
        var first = await incidents.CreateAsync(Draft(), CancellationToken.None);
        var second = await incidents.CreateAsync(Draft("search", "health:search"), CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(1));
        var tomorrow = await incidents.CreateAsync(Draft(), CancellationToken.None);

        Assert.Equal(["INC-20261207-0001", "INC-20261207-0002", "INC-20261208-0001"], new[] { first.Id, second.Id, tomorrow.Id });
        var read = await incidents.GetAsync("inc-20261207-0002", CancellationToken.None);
        Assert.Equal(("search", IncidentState.Triggered, 1), (read?.Service, read?.State, read?.SignalCount));
        Assert.Null(await incidents.GetAsync("INC-20261207-0099", CancellationToken.None));
    }

    [Fact]
    public async Task Numbering_goes_past_9999_in_one_day()
    {
        var incidents = await OpenAsync();
        var created = await incidents.WriteAsync(async session =>
        {
            Incident last = null!;
            for (var i = 0; i < 10_001; i++) last = await session.CreateAsync(Draft(fingerprint: $"health:s{i}"));
            return last;
        }, CancellationToken.None);
        Assert.Equal("INC-20261207-10001", created.Id);
        Assert.Equal("INC-20261207-10002", (await incidents.CreateAsync(Draft(), CancellationToken.None)).Id);
    }

    [Fact]
    public async Task Append_adds_a_timeline_line_and_an_unknown_id_is_a_typed_error_naming_it()
    {
        var incidents = await OpenAsync();
        var created = await incidents.CreateAsync(Draft(), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));

        var appended = await incidents.AppendAsync(created.Id,
            new IncidentTimelineEntry { Timestamp = _time.GetUtcNow(), Kind = IncidentEventKind.Note, Actor = "ops@box", Message = "looking" }, CancellationToken.None);

        Assert.Equal(["opened", "looking"], appended.Timeline.Select(e => e.Message));
        Assert.Equal(_time.GetUtcNow(), appended.Timestamp);
        var error = await Assert.ThrowsAsync<IncidentNotFoundException>(() => incidents.AppendAsync("INC-19990101-0001",
            new IncidentTimelineEntry { Timestamp = _time.GetUtcNow(), Kind = IncidentEventKind.Note, Actor = "ops@box", Message = "x" }, CancellationToken.None));
        Assert.Equal("INC-19990101-0001", error.Id);
        Assert.Contains("'INC-19990101-0001'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_cannot_change_the_id()
    {
        var incidents = await OpenAsync();
        var created = await incidents.CreateAsync(Draft(), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => incidents.UpdateAsync(created.Id, i => i with { Id = "INC-1" }, CancellationToken.None));
        Assert.NotNull(await incidents.GetAsync(created.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Two_concurrent_writers_on_separate_connections_both_land_every_signal_and_line()
    {
        var created = await (await OpenAsync()).CreateAsync(Draft(), CancellationToken.None);
        // Two stores on one file, as two scheduled runs in two processes would have.
        var a = await OpenAsync();
        var b = await OpenAsync();

        async Task WriteMany(IncidentStore store, string who)
        {
            for (var i = 0; i < 25; i++)
            {
                await store.UpdateAsync(created.Id, incident => incident with
                {
                    Signals = [.. incident.Signals, Signal(summary: $"{who}-{i}")],
                    Timeline = [.. incident.Timeline, new IncidentTimelineEntry { Timestamp = _time.GetUtcNow(), Kind = IncidentEventKind.Signal, Actor = who, Message = $"{who}-{i}" }],
                }, CancellationToken.None);
            }
        }

        await Task.WhenAll(Task.Run(() => WriteMany(a, "a")), Task.Run(() => WriteMany(b, "b")));

        var stored = (await a.GetAsync(created.Id, CancellationToken.None))!;
        Assert.Equal(51, stored.SignalCount);
        Assert.Equal(51, stored.Signals.Count);
        Assert.Equal(50, stored.Timeline.Count(e => e.Kind == IncidentEventKind.Signal));
        foreach (var who in new[] { "a", "b" })
            for (var i = 0; i < 25; i++) Assert.Contains($"{who}-{i}", stored.Timeline.Select(e => e.Message));
    }

    [Fact]
    public async Task Two_concurrent_runs_opening_the_same_fingerprint_open_one_incident()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();

        Task<Incident> OpenOrJoin(IncidentStore store) => store.WriteAsync(async session =>
        {
            var existing = await session.FindByFingerprintAsync("health:checkout");
            return existing is null
                ? await session.CreateAsync(Draft())
                : await session.SaveAsync(existing, existing with { Signals = [.. existing.Signals, Signal()] });
        }, CancellationToken.None);

        var results = await Task.WhenAll(Task.Run(() => OpenOrJoin(a)), Task.Run(() => OpenOrJoin(b)));

        Assert.Equal(results[0].Id, results[1].Id);
        var all = await a.ListAsync(IncidentQuery.All, CancellationToken.None).ToListAsync();
        Assert.Equal(2, Assert.Single(all).SignalCount);
    }

    [Fact]
    public async Task Signals_are_capped_keeping_the_opening_one_the_latest_of_each_fingerprint_and_a_count()
    {
        var incidents = await OpenAsync(maxSignals: 10);
        var created = await incidents.CreateAsync(Draft(), CancellationToken.None);
        await incidents.UpdateAsync(created.Id, i => i with { Signals = [.. i.Signals, Signal("health:cart", firing: false, service: "cart", summary: "cart clear")] }, CancellationToken.None);
        for (var run = 0; run < 30; run++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await incidents.UpdateAsync(created.Id, i => i with { Signals = [.. i.Signals, Signal(summary: $"run {run}")] }, CancellationToken.None);
        }

        var stored = (await incidents.GetAsync(created.Id, CancellationToken.None))!;
        Assert.Equal(32, stored.SignalCount);
        Assert.Equal(10, stored.Signals.Count);
        Assert.Equal("checkout is Unhealthy", stored.Signals[0].Summary);
        Assert.Contains(stored.Signals, s => s.Summary == "cart clear");
        Assert.Equal("run 29", stored.Signals[^1].Summary);
        Assert.Equal(stored.Signals.OrderBy(s => s.Timestamp).Select(s => s.Summary), stored.Signals.Select(s => s.Summary));
    }

    [Fact]
    public async Task A_thousand_signals_on_one_incident_stay_capped_in_the_row()
    {
        var incidents = await OpenAsync();
        var created = await incidents.CreateAsync(Draft(), CancellationToken.None);
        await incidents.UpdateAsync(created.Id, i => i with { Signals = [.. i.Signals, .. Enumerable.Range(0, 1000).Select(n => Signal(summary: $"s{n}"))] }, CancellationToken.None);
        var stored = (await incidents.GetAsync(created.Id, CancellationToken.None))!;
        Assert.Equal((1001, IncidentStore.DefaultMaxSignals), (stored.SignalCount, stored.Signals.Count));
    }

    [Fact]
    public async Task List_filters_by_state_service_since_open_and_id_wildcard_newest_first()
    {
        var incidents = await OpenAsync();
        var checkout = await incidents.CreateAsync(Draft(), CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        var search = await incidents.CreateAsync(Draft("search", "health:search"), CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        var cart = await incidents.CreateAsync(Draft("cart", "health:cart"), CancellationToken.None);
        await incidents.UpdateAsync(search.Id, i => i with { State = IncidentState.Resolved, ResolvedAt = _time.GetUtcNow() }, CancellationToken.None);

        async Task<string[]> Ids(IncidentQuery q) => (await incidents.ListAsync(q, CancellationToken.None).ToListAsync()).Select(i => i.Service).ToArray();

        Assert.Equal(["cart", "search", "checkout"], await Ids(IncidentQuery.All));
        Assert.Equal(["cart", "checkout"], await Ids(new IncidentQuery { Open = true }));
        Assert.Equal(["search"], await Ids(new IncidentQuery { Open = false }));
        Assert.Equal(["search"], await Ids(new IncidentQuery { State = IncidentState.Resolved }));
        Assert.Equal(["checkout"], await Ids(new IncidentQuery { Service = "CHECKOUT" }));
        Assert.Equal(["cart", "search"], await Ids(new IncidentQuery { Since = checkout.OpenedAt.AddMinutes(30) }));
        Assert.Equal(["cart", "search", "checkout"], await Ids(new IncidentQuery { Id = "inc-20261207-*" }));
        Assert.Equal(["checkout"], await Ids(new IncidentQuery { Id = checkout.Id }));
        Assert.Equal(["cart"], await Ids(new IncidentQuery { Id = "*3" }));
        Assert.Equal(["cart"], await Ids(new IncidentQuery { Limit = 1 }));
        Assert.Equal([cart.Id, search.Id, checkout.Id], await incidents.ListIdsAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task A_fingerprint_finds_its_open_incident_before_a_resolved_one()
    {
        var incidents = await OpenAsync();
        var old = await incidents.CreateAsync(Draft(), CancellationToken.None);
        await incidents.UpdateAsync(old.Id, i => i with { State = IncidentState.Resolved, ResolvedAt = _time.GetUtcNow() }, CancellationToken.None);

        var found = await incidents.WriteAsync(s => s.FindByFingerprintAsync("health:checkout"), CancellationToken.None);
        Assert.Equal((old.Id, IncidentState.Resolved), (found?.Id, found?.State));

        _time.Advance(TimeSpan.FromDays(2));
        var current = await incidents.CreateAsync(Draft(), CancellationToken.None);
        found = await incidents.WriteAsync(s => s.FindByFingerprintAsync("health:checkout"), CancellationToken.None);
        Assert.Equal(current.Id, found?.Id);
        Assert.Null(await incidents.WriteAsync(s => s.FindByFingerprintAsync("health:nothing"), CancellationToken.None));
        Assert.Equal([current.Id], (await incidents.WriteAsync(s => s.ListOpenAsync(), CancellationToken.None)).Select(i => i.Id));
    }

    [Fact]
    public async Task A_failing_write_transaction_writes_nothing()
    {
        var incidents = await OpenAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => incidents.WriteAsync<Incident>(async session =>
        {
            await session.CreateAsync(Draft());
            throw new InvalidOperationException("boom");
        }, CancellationToken.None));
        Assert.Empty(await incidents.ListAsync(IncidentQuery.All, CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task Secrets_in_titles_signals_and_timeline_never_reach_the_file()
    {
        var redactor = new OpsAutomation.Core.Logging.SecretRedactor();
        redactor.AddSecret(Token);
        var incidents = new IncidentStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None), _time, redactor);
        var draft = Draft() with { Title = $"checkout down at https://ops:{Token}@api.local/" };
        var created = await incidents.CreateAsync(draft, CancellationToken.None);
        await incidents.UpdateAsync(created.Id, i => i with
        {
            Signals = [.. i.Signals, Signal(summary: $"token={Token}") with { Details = new Dictionary<string, string> { ["url"] = $"https://x/?token={Token}", ["password"] = "hunter22" } }],
        }, CancellationToken.None);
        await incidents.AppendAsync(created.Id, new IncidentTimelineEntry { Timestamp = _time.GetUtcNow(), Kind = IncidentEventKind.Note, Actor = "ops@box", Message = $"used {Token}" }, CancellationToken.None);

        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllTextAsync(Path.Combine(_dir.Path, StateStore.FileName));
        var wal = Path.Combine(_dir.Path, StateStore.FileName + "-wal");
        if (File.Exists(wal)) bytes += await File.ReadAllTextAsync(wal);
        Assert.DoesNotContain(Token, bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter22", bytes, StringComparison.Ordinal);
        var stored = (await incidents.GetAsync(created.Id, CancellationToken.None))!;
        Assert.Contains("[REDACTED]", stored.Title, StringComparison.Ordinal);
        Assert.Equal("[REDACTED]", stored.Signals[^1].Details["password"]);
    }

    [Theory]
    [InlineData("INC-*", "INC-*")]
    [InlineData("INC-2026120?-0001", "INC-2026120?-0001")]
    [InlineData("a`*b", "a[*]b")]
    [InlineData("a`[b", "a[[]b")]
    public void Wildcards_become_globs(string wildcard, string glob) => Assert.Equal(glob, IncidentStore.ToGlob(wildcard));
}
