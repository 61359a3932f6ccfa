using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.State;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Pipelines;

public sealed class PipelineSpecReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly HttpClientProvider _http = new();

    public void Dispose()
    {
        _http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    // Reading a spec opens nothing: the checkpoint store is only handed to the file sinks' factories.
    private PipelineSpec Read(string yaml, bool sinkRequired = true)
    {
        var path = _directory.File("spec.yaml", yaml);
        var tree = new ConfigurationFileReader().ReadMap(path);
        return PipelineSpecReader.Read(tree, path, _directory.Path, new PipelineSpecContext
        {
            Checkpoints = null!,
            Time = TimeProvider.System,
            Secrets = new SecretResolver(),
            Redactor = new SecretRedactor(),
            Http = _http,
            SinkRequired = sinkRequired,
        });
    }

    [Fact]
    public void A_spec_read_only_to_check_its_records_may_have_no_sink_and_any_other_may_not()
    {
        const string Yaml = "Name: check\nSource: { Type: Csv, Path: orders.csv }\nValidation: { Columns: { id: { Type: integer } } }\n";

        var step = Assert.Single(Read(Yaml, sinkRequired: false).Plan.Steps);
        Assert.NotNull(step.Validate);
        Assert.Contains("no sink", Assert.Throws<InvalidOperationException>(() => step.CreateSink()).Message);
        Assert.Contains("'Sink': is required", Assert.Throws<ConfigurationException>(() => Read(Yaml)).Message);
    }

    [Fact]
    public void A_one_step_spec_becomes_a_plan_of_one_step_named_after_the_pipeline()
    {
        var spec = Read("""
            Name: orders
            Source: { Type: Csv, Path: orders.csv, Delimiter: ";" }
            Validation: { Columns: { id: { Type: integer } } }
            Transforms:
              - Rename: { a: b }
              - Derive: { total: "qty * price" }
              - Filter: "status != 'test'"
            Sink: { Type: Sqlite, Path: out.db, Table: orders, Key: id }
            BatchSize: 100
            Parallelism: 3
            MaxRejectionRate: 0.1
            """);

        var step = Assert.Single(spec.Plan.Steps);
        Assert.Equal("orders", spec.Plan.Name);
        Assert.Equal("orders", step.Name);
        Assert.NotNull(step.Validate);
        Assert.Equal(["rename", "derive total", "filter status != 'test'"], step.Transforms.Select(t => t.Name));
        Assert.Equal(100, step.BatchSize);
        Assert.Equal(3, step.Parallelism);
        Assert.Equal(0.1, step.MaxRejectionRate);
        Assert.Equal(System.IO.Path.Combine(_directory.Path, "out.db") + "#orders", step.CreateSink().DatasetName);
        Assert.Equal(System.IO.Path.Combine(_directory.Path, "orders.csv"), step.CreateSource().DatasetName);
    }

    [Fact]
    public void Dead_letters_go_to_the_state_store_unless_the_spec_names_a_file_relative_to_itself()
    {
        const string Step = "Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\n";

        Assert.Null(Read(Step).DeadLetters);
        Assert.Equal(System.IO.Path.Combine(_directory.Path, "rejects", "orders.jsonl"), Read(Step + "DeadLetters: { Path: rejects/orders.jsonl }\n").DeadLetters!.Path);
    }

    [Fact]
    public void Steps_come_in_dependency_order()
    {
        var spec = Read("""
            Name: graph
            Steps:
              - { Name: load, DependsOn: clean, Source: { Type: JsonLines, Path: clean.jsonl }, Sink: { Type: Sqlite, Path: o.db, Table: t, Key: id } }
              - { Name: clean, Source: { Type: Csv, Path: raw.csv }, Sink: { Type: JsonLines, Path: clean.jsonl } }
            """);

        Assert.Equal(["clean", "load"], spec.Plan.Steps.Select(s => s.Name));
    }

    [Theory]
    [InlineData("Name: x\nSource: { Type: Excel, Path: a.xlsx }\nSink: { Type: Csv, Path: o.csv }\n", "Source.Type", "unknown source type 'Excel'")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Sqlite, Path: o.db, Table: t, Mode: Upsert }\n", "Sink.Key", "is required for Mode Upsert")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\n", "Sink", "is required")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv, Delimiter: ';;' }\nSink: { Type: Csv, Path: o.csv }\n", "Source.Delimiter", "';;' is not one character")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nTransforms: [ { Derive: { t: 'a * ' } } ]\n", "Transforms[0].Derive.t", "position")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nTransforms: [ { Explode: a } ]\n", "Transforms[0]", "a transform is one of")]
    [InlineData("Name: x\nSource: { Type: Postgres, ConnectionString: 'Host=db;Password=hunter2', Query: 'select 1' }\nSink: { Type: Csv, Path: o.csv }\n", "Source.ConnectionString", "must be a secret reference")]
    [InlineData("Name: x\nSteps:\n  - { Name: a, DependsOn: b, Source: { Type: Csv, Path: a.csv }, Sink: { Type: Csv, Path: o.csv } }\n  - { Name: b, DependsOn: a, Source: { Type: Csv, Path: a.csv }, Sink: { Type: Csv, Path: p.csv } }\n", "Steps", "cycle")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nLineage: { Uri: 'ftp://x' }\n", "Lineage.Uri", "is not an absolute http(s) URL")]
    [InlineData("Name: x\nSource: { Type: Pipeline }\nSink: { Type: Csv, Path: o.csv }\n", "Source.Type", "no objects were piped")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nDeadLetters: rejects.jsonl\n", "DeadLetters", "must be a map of keys")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nDeadLetters: { }\n", "DeadLetters.Path", "is required: the JSON Lines file")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nDeadLetters: { Path: '' }\n", "DeadLetters.Path", "must not be empty")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nDeadLetters: { Path: r.jsonl, Topic: rejects }\n", "DeadLetters.Topic", "unknown key")]
    [InlineData("Name: x\nSource: { Type: Csv, Path: a.csv }\nSink: { Type: Csv, Path: o.csv }\nDeadLetters: { Path: . }\n", "DeadLetters.Path", "'.' is a folder")]
    public void A_bad_spec_names_the_file_and_the_key(string yaml, string key, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(yaml));

        Assert.Contains("spec.yaml", error.Message);
        Assert.Equal(key, error.Key);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public async Task A_connection_string_comes_from_a_secret_reference_and_its_password_is_redacted()
    {
        var redactor = new SecretRedactor();
        var state = await StateStore.OpenAsync(System.IO.Path.Combine(_directory.Path, "state"), CancellationToken.None);
        var path = _directory.File("pg.yaml", "Name: x\nSource: { Type: Postgres, ConnectionString: 'env:PG', Query: 'select 1' }\nSink: { Type: Csv, Path: o.csv }\n");
        var spec = PipelineSpecReader.Read(new ConfigurationFileReader().ReadMap(path), path, _directory.Path, new PipelineSpecContext
        {
            Checkpoints = new PipelineCheckpointStore(state),
            Time = TimeProvider.System,
            Secrets = new SecretResolver(name => name == "PG" ? "Host=127.0.0.1;Port=5;Username=u;Password=s3cr3t-value;Database=d" : null),
            Redactor = redactor,
            Http = _http,
        });

        Assert.Equal("postgres://127.0.0.1:5", spec.Plan.Steps[0].CreateSource().DatasetNamespace);
        Assert.DoesNotContain("s3cr3t-value", redactor.Redact("login failed for Password=s3cr3t-value"));
    }
}
