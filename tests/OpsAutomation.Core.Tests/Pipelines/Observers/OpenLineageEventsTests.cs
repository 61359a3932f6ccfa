using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Observers;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Tests.Pipelines.Observers;

public sealed class OpenLineageEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 9, 30, 15, 250, TimeSpan.FromHours(1));

    // Two steps write the same table; the second also reads what the first wrote.
    internal static readonly IReadOnlyList<StepDatasets> Datasets =
    [
        new("extract", "file:///data", "orders.csv", "sqlite:///out.db", "orders"),
        new("more", "file:///data", "orders-late.csv", "sqlite:///out.db", "orders"),
        new("report", "sqlite:///out.db", "orders", "file:///out", "report.jsonl"),
    ];

    internal static PipelineRun Run(PipelineRunStatus status, string runId = "6f1c1d1e-6b7a-4f37-9d4b-2a1e0c5b7d10", string? error = null) => new()
    {
        RunId = runId,
        Pipeline = "orders",
        Status = status,
        StartedAt = Now.AddMinutes(-2),
        EndedAt = status == PipelineRunStatus.Running ? null : Now,
        RecordsIn = 34,
        Loaded = 30,
        Rejected = 4,
        Error = error,
        Steps =
        [
            new PipelineStepRun { Step = "extract", Status = PipelineRunStatus.Succeeded, RecordsIn = 10, Loaded = 10 },
            new PipelineStepRun { Step = "more", Status = PipelineRunStatus.CompletedWithRejections, RecordsIn = 12, Loaded = 8, Rejected = 4 },
            new PipelineStepRun { Step = "report", Status = status == PipelineRunStatus.Running ? PipelineRunStatus.Running : status, RecordsIn = 12, Loaded = 12 },
        ],
    };

    /// <summary>Validates the event against the spec and every facet against the schema its _schemaURL names.</summary>
    internal static void AssertValid(JsonNode lineageEvent)
    {
        var spec = OpenLineageSchemas.Spec();
        using (var document = JsonDocument.Parse(lineageEvent.ToJsonString()))
            Assert.True(spec.IsValid(document.RootElement), "not a valid OpenLineage event:\n" + OpenLineageSchemas.Explain(spec, lineageEvent) + "\n" + lineageEvent.ToJsonString());
        Assert.Equal("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", (string?)lineageEvent["schemaURL"]);

        var facets = new List<JsonNode>();
        facets.AddRange(lineageEvent["run"]?["facets"]?.AsObject().Select(f => f.Value!) ?? []);
        foreach (var output in lineageEvent["outputs"]?.AsArray() ?? [])
            facets.AddRange(output!["outputFacets"]?.AsObject().Select(f => f.Value!) ?? []);
        foreach (var facet in facets)
        {
            var validator = OpenLineageSchemas.Facet((string)facet["_schemaURL"]!);
            using var document = JsonDocument.Parse(facet.ToJsonString());
            Assert.True(validator.IsValid(document.RootElement), $"facet not valid against {facet["_schemaURL"]}:\n" + OpenLineageSchemas.Explain(validator, facet));
        }

        // format is an annotation in 2020-12, so the validator does not assert it: .NET's parsers do here.
        var eventTime = (string)lineageEvent["eventTime"]!;
        Assert.True(DateTimeOffset.TryParseExact(eventTime, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && parsed.Offset == TimeSpan.Zero && eventTime.EndsWith('Z'),
            $"eventTime '{eventTime}' is not an RFC 3339 UTC date-time");
        Assert.True(Guid.TryParseExact((string)lineageEvent["run"]!["runId"]!, "D", out _), "runId is not a UUID");
        Assert.True(Uri.TryCreate((string)lineageEvent["producer"]!, UriKind.Absolute, out _), "producer is not an absolute URI");
    }

    [Fact]
    public void A_succeeded_run_gives_a_valid_START_and_a_COMPLETE_with_row_counts_of_each_output()
    {
        var start = OpenLineageEvents.Build(LineageEventType.Start, Run(PipelineRunStatus.Running) with { RecordsIn = 0, Loaded = 0, Rejected = 0, Steps = [] }, Datasets, "ops", Now);
        var complete = OpenLineageEvents.Build(OpenLineageEvents.EndType(PipelineRunStatus.Succeeded), Run(PipelineRunStatus.Succeeded), Datasets, "ops", Now);

        AssertValid(start);
        AssertValid(complete);
        Assert.Equal("START", (string?)start["eventType"]);
        Assert.Equal("COMPLETE", (string?)complete["eventType"]);
        Assert.Null(start["outputs"]![0]!["outputFacets"]);
        var outputs = complete["outputs"]!.AsArray().ToDictionary(o => (string)o!["name"]!, o => (long)o!["outputFacets"]!["outputStatistics"]!["rowCount"]!);
        Assert.Equal(new Dictionary<string, long> { ["orders"] = 10 + 8, ["report.jsonl"] = 12 }, outputs);
    }

    [Fact]
    public void A_failed_run_gives_a_valid_FAIL_with_the_error_message_facet()
    {
        var fail = OpenLineageEvents.Build(OpenLineageEvents.EndType(PipelineRunStatus.Failed), Run(PipelineRunStatus.Failed, error: "database is locked"), Datasets, "ops", Now);

        AssertValid(fail);
        Assert.Equal("FAIL", (string?)fail["eventType"]);
        Assert.Equal("database is locked", (string?)fail["run"]!["facets"]!["errorMessage"]!["message"]);
        Assert.Equal("C#", (string?)fail["run"]!["facets"]!["errorMessage"]!["programmingLanguage"]);
        Assert.NotNull(fail["outputs"]![0]!["outputFacets"]!["outputStatistics"]);
    }

    [Fact]
    public void A_cancelled_run_gives_a_valid_ABORT_without_an_error_facet()
    {
        var abort = OpenLineageEvents.Build(OpenLineageEvents.EndType(PipelineRunStatus.Cancelled), Run(PipelineRunStatus.Cancelled), Datasets, "ops", Now);

        AssertValid(abort);
        Assert.Equal("ABORT", (string?)abort["eventType"]);
        Assert.Null(abort["run"]!["facets"]!["errorMessage"]);
    }

    [Fact]
    public void An_event_missing_its_run_id_is_refused_by_the_schema_so_the_validation_can_fail()
    {
        var broken = OpenLineageEvents.Build(LineageEventType.Start, Run(PipelineRunStatus.Running), Datasets, "ops", Now);
        broken["run"]!.AsObject().Remove("runId");

        using var document = JsonDocument.Parse(broken.ToJsonString());
        Assert.False(OpenLineageSchemas.Spec().IsValid(document.RootElement));
    }

    [Fact]
    public void A_facet_without_its_required_field_is_refused_by_the_facet_schema()
    {
        var facet = new JsonObject { ["_producer"] = OpenLineageEvents.Producer, ["_schemaURL"] = OpenLineageEvents.ErrorMessageFacetSchemaUrl, ["message"] = "x" };

        using var document = JsonDocument.Parse(facet.ToJsonString());
        Assert.False(OpenLineageSchemas.Facet(OpenLineageEvents.ErrorMessageFacetSchemaUrl).IsValid(document.RootElement));
    }

    [Fact]
    public void The_job_is_the_pipeline_in_the_namespace_and_datasets_are_listed_once_each()
    {
        var complete = OpenLineageEvents.Build(LineageEventType.Complete, Run(PipelineRunStatus.Succeeded), Datasets, "ops", Now);

        Assert.Equal("ops", (string?)complete["job"]!["namespace"]);
        Assert.Equal("orders", (string?)complete["job"]!["name"]);
        Assert.Equal(["file:///data|orders.csv", "file:///data|orders-late.csv", "sqlite:///out.db|orders"],
            complete["inputs"]!.AsArray().Select(d => $"{d!["namespace"]}|{d["name"]}"));
        Assert.Equal(["sqlite:///out.db|orders", "file:///out|report.jsonl"],
            complete["outputs"]!.AsArray().Select(d => $"{d!["namespace"]}|{d["name"]}"));
        Assert.Equal("2026-11-30T08:30:15.250Z", (string?)complete["eventTime"]);
    }

    [Fact]
    public void A_GUID_run_id_is_the_OpenLineage_run_id()
    {
        Assert.Equal(Guid.Parse("6f1c1d1e-6b7a-4f37-9d4b-2a1e0c5b7d10"), OpenLineageEvents.RunUuid("6F1C1D1E-6B7A-4F37-9D4B-2A1E0C5B7D10"));
    }

    [Fact]
    public void A_name_based_UUID_matches_the_RFC_9562_version_5_example()
    {
        // RFC 9562 appendix A.4: the DNS namespace and "www.example.com".
        Assert.Equal(Guid.Parse("2ed6657d-e927-568b-95e1-2665a8aea6a2"), OpenLineageEvents.NameBasedUuid(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));
    }

    [Fact]
    public void Another_run_id_becomes_the_same_version_5_UUID_every_time_so_a_resumed_run_keeps_it()
    {
        // Python: uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/opsautomation/OpsAutomation/runs/nightly%202026-11-30")
        Assert.Equal(Guid.Parse("cfe00129-4061-5e28-b76f-2ef1bd59e95d"), OpenLineageEvents.RunUuid("nightly 2026-11-30"));
        Assert.Equal(OpenLineageEvents.RunUuid("nightly 2026-11-30"), OpenLineageEvents.RunUuid("nightly 2026-11-30"));
        Assert.NotEqual(OpenLineageEvents.RunUuid("nightly 2026-11-30"), OpenLineageEvents.RunUuid("nightly 2026-12-01"));
    }
}
