using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Tests.State;

public sealed class DeploymentRecordStoreTests : IDisposable
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9-deploy-token-7q";
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private DeploymentRecord Record(string id, string name = "web", string ns = "shop", string? context = "sandbox") => new()
    {
        Id = id, Name = name, Namespace = ns, Context = context, Strategy = "Rolling", Image = "127.0.0.1:5000/web:2",
        ImageDigest = "sha256:" + new string('a', 64), User = "ops@box", StartedAt = _time.GetUtcNow(), RevisionBefore = 3,
    };

    [Fact]
    public async Task A_store_at_schema_8_is_migrated_to_one_with_deployment_records()
    {
        var path = Path.Combine(_dir.Path, StateStore.FileName);
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join('\n', StateSchema.Migrations.Take(8)) + "\nPRAGMA user_version = 8;";
            await command.ExecuteNonQueryAsync();
        }

        var store = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);

        Assert.Equal(StateStore.CurrentSchemaVersion, await store.GetSchemaVersionAsync(CancellationToken.None));
        var records = new DeploymentRecordStore(store, _time);
        await records.StartAsync(Record("r1"), CancellationToken.None);
        Assert.Equal("r1", (await records.GetAsync("r1", CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task A_run_is_started_in_progress_then_finished_with_its_outcome_and_revision()
    {
        var records = new DeploymentRecordStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None), _time);
        var started = await records.StartAsync(Record("r1") with { Outcome = DeploymentOutcome.Succeeded }, CancellationToken.None);
        Assert.Equal((DeploymentOutcome.InProgress, Environment.ProcessId), (started.Outcome, started.ProcessId));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await records.FinishAsync("r1", DeploymentOutcome.RolledBack, "pod web-1 CrashLoopBackOff", 5, CancellationToken.None));
        Assert.False(await records.FinishAsync("missing", DeploymentOutcome.Failed, null, null, CancellationToken.None));

        var finished = (await records.GetAsync("r1", CancellationToken.None))!;
        Assert.Equal((DeploymentOutcome.RolledBack, "pod web-1 CrashLoopBackOff", 3L, 5L), (finished.Outcome, finished.Reason, finished.RevisionBefore, finished.RevisionAfter));
        Assert.Equal(TimeSpan.FromMinutes(2), finished.Duration);
        Assert.Equal(("sandbox", "127.0.0.1:5000/web:2"), (finished.Context, finished.Image));
    }

    [Fact]
    public async Task The_latest_unfinished_run_of_a_deployment_is_found_for_resuming_and_others_are_not()
    {
        var records = new DeploymentRecordStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None), _time);
        await records.StartAsync(Record("old"), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        await records.StartAsync(Record("new"), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        await records.StartAsync(Record("done"), CancellationToken.None);
        await records.FinishAsync("done", DeploymentOutcome.Succeeded, null, 4, CancellationToken.None);
        await records.StartAsync(Record("other-context", context: "prod"), CancellationToken.None);

        Assert.Equal("new", (await records.FindUnfinishedAsync("web", "shop", "sandbox", CancellationToken.None))?.Id);
        Assert.Null(await records.FindUnfinishedAsync("web", "shop", null, CancellationToken.None));
        Assert.Null(await records.FindUnfinishedAsync("api", "shop", "sandbox", CancellationToken.None));
        var listed = await records.ListAsync("web", "shop", "sandbox", 10, CancellationToken.None).ToListAsync();
        Assert.Equal(["done", "new", "old"], listed.Select(r => r.Id));
        Assert.Equal(4, await records.ListAsync("web", "shop", null, 10, CancellationToken.None).CountAsync());
    }

    [Fact]
    public async Task Two_runs_writing_at_once_lose_no_record()
    {
        var first = new DeploymentRecordStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None), _time);
        var second = new DeploymentRecordStore(await StateStore.OpenAsync(_dir.Path, CancellationToken.None), _time);
        async Task Run(DeploymentRecordStore store, string prefix)
        {
            for (var i = 0; i < 40; i++)
            {
                var started = await store.StartAsync(Record($"{prefix}{i}", name: $"svc{i % 4}"), CancellationToken.None);
                await store.UpdateAsync(started with { RevisionAfter = i, DetailsJson = $"{{\"step\":{i}}}" }, CancellationToken.None);
                await store.FinishAsync(started.Id, DeploymentOutcome.Succeeded, null, null, CancellationToken.None);
            }
        }

        await Task.WhenAll(Task.Run(() => Run(first, "a")), Task.Run(() => Run(second, "b")));

        var all = await first.ListAsync(null, null, null, 1000, CancellationToken.None).ToListAsync();
        Assert.Equal(80, all.Count);
        Assert.All(all, r => Assert.Equal(DeploymentOutcome.Succeeded, r.Outcome));
        Assert.Equal(39L, all.Single(r => r.Id == "b39").RevisionAfter);
        Assert.Equal("{\"step\":7}", all.Single(r => r.Id == "a7").DetailsJson);
    }

    [Fact]
    public async Task A_reason_or_details_carrying_a_credential_reach_the_file_redacted()
    {
        var store = await StateStore.OpenAsync(_dir.Path, CancellationToken.None);
        var records = new DeploymentRecordStore(store, _time);
        var started = await records.StartAsync(Record("r1") with { DetailsJson = $"{{\"gate\":\"https://ops:{Token}@prom.local/api?token={Token}\"}}" }, CancellationToken.None);
        await records.FinishAsync(started.Id, DeploymentOutcome.Failed, $"Authorization: Bearer {Token}", null, CancellationToken.None);

        var read = (await records.GetAsync("r1", CancellationToken.None))!;
        Assert.DoesNotContain(Token, read.DetailsJson, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, read.Reason, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", read.Reason, StringComparison.Ordinal);
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_dir.Path, StateStore.FileName + "*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.DoesNotContain(Token, Encoding.Latin1.GetString(copy.ToArray()), StringComparison.Ordinal);
        }
    }
}
