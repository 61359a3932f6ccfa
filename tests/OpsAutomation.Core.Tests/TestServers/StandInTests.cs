using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using OpsAutomation.Core.Tests.TestSupport;
using OpsAutomation.TestServers;

namespace OpsAutomation.Core.Tests.TestServers;

/// <summary>The stand-ins answer in the real services' wire format, healthy and broken.</summary>
public sealed class StandInTests : IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    // ---- shared behaviour ----

    [Theory]
    [InlineData("elasticsearch")]
    [InlineData("kibana")]
    [InlineData("grafana")]
    [InlineData("kubernetes")]
    public async Task Listens_on_loopback_and_records_each_request(string kind)
    {
        var (standIn, path) = await StartAsync(kind);
        await using var _ = standIn;
        Assert.Equal("127.0.0.1", standIn.BaseUri.Host);
        await GetAsync(standIn, path);
        await GetAsync(standIn, path + "?pretty");
        Assert.Equal(2, standIn.Requests);
        Assert.Equal([path, path + "?pretty"], standIn.Paths);
    }

    [Theory]
    [InlineData("elasticsearch")]
    [InlineData("kibana")]
    [InlineData("grafana")]
    [InlineData("kubernetes")]
    public async Task TruncatedJson_keeps_status_and_cuts_the_body_that_Content_Length_announces(string kind)
    {
        var (standIn, path) = await StartAsync(kind);
        await using var _ = standIn;
        var whole = await ReadAsync(await GetAsync(standIn, path));
        standIn.Fault = StandInFault.TruncatedJson;
        using var response = await GetAsync(standIn, path);
        var cut = await ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Encoding.UTF8.GetByteCount(cut), response.Content.Headers.ContentLength);
        Assert.Equal(whole[..cut.Length], cut);
        Assert.True(cut.Length < whole.Length);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(cut));
    }

    [Theory]
    [InlineData("elasticsearch")]
    [InlineData("kibana")]
    [InlineData("grafana")]
    [InlineData("kubernetes")]
    public async Task UnexpectedShape_is_200_with_json_of_another_shape(string kind)
    {
        var (standIn, path) = await StartAsync(kind);
        await using var _ = standIn;
        standIn.Fault = StandInFault.UnexpectedShape;
        using var response = await GetAsync(standIn, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        Assert.Equal("hello", json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnexpectedShape_can_be_a_proxy_login_page()
    {
        await using var standIn = await GrafanaStandIn.StartAsync();
        standIn.Fault = StandInFault.UnexpectedShape;
        standIn.UnexpectedShapeResponse = StandIn.ProxyLoginPage;
        using var response = await GetAsync(standIn, "api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", await ReadAsync(response));
    }

    [Theory]
    [InlineData("elasticsearch")]
    [InlineData("kibana")]
    [InlineData("grafana")]
    [InlineData("kubernetes")]
    public async Task Slow_outlasts_a_client_that_gives_up_then_answers_a_patient_one(string kind)
    {
        var (standIn, path) = await StartAsync(kind);
        await using var _ = standIn;
        standIn.Fault = StandInFault.Slow;
        standIn.SlowDelay = TimeSpan.FromMinutes(10);
        using (var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _http.GetAsync(new Uri(standIn.BaseUri, path), impatient.Token));
        }
        standIn.SlowDelay = TimeSpan.FromMilliseconds(50);
        using var response = await GetAsync(standIn, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("elasticsearch", "ApiKey")]
    [InlineData("kibana", "ApiKey")]
    [InlineData("kibana", "Bearer")]
    [InlineData("grafana", "Bearer")]
    public async Task Credentials_are_enforced_when_set(string kind, string keyScheme)
    {
        var (standIn, path) = await StartAsync(kind);
        await using var _ = standIn;
        standIn.BasicAuth = ("ops", "pa55");
        standIn.ApiKey = "k3y";
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(standIn, path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(standIn, path, Basic("ops", "wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(standIn, path, new(keyScheme, "other"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(standIn, path, Basic("ops", "pa55"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(standIn, path, new(keyScheme, "k3y"))).StatusCode);
    }

    [Theory]
    [InlineData("elasticsearch")]
    [InlineData("kibana")]
    [InlineData("grafana")]
    [InlineData("kubernetes")]
    public async Task Unauthorized_and_Forbidden_faults_refuse_even_good_credentials(string kind)
    {
        var (standIn, path) = await StartAsync(kind);
        await using var _ = standIn;
        standIn.BasicAuth = ("ops", "pa55");
        standIn.Fault = StandInFault.Unauthorized;
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(standIn, path, Basic("ops", "pa55"))).StatusCode);
        standIn.Fault = StandInFault.Forbidden;
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(standIn, path, Basic("ops", "pa55"))).StatusCode);
        standIn.Fault = StandInFault.None;
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(standIn, path, Basic("ops", "pa55"))).StatusCode);
    }

    // ---- Elasticsearch ----

    [Fact]
    public async Task Elasticsearch_cluster_health_has_every_field_of_the_real_api()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.ClusterStatus = "yellow";
        es.UnassignedShards = 5;
        es.ActiveShardsPercent = 75;
        using var response = await GetAsync(es, "_cluster/health?timeout=5s&wait_for_status=yellow");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Elasticsearch", response.Headers.GetValues("X-elastic-product").Single());
        var body = await ReadAsync(response);
        Assert.Contains("\"active_shards_percent_as_number\":75.0", body);
        var health = JsonSerializer.Deserialize<ClusterHealth>(body, SnakeCase)!;
        Assert.Equal("ops-test", health.ClusterName);
        Assert.Equal("yellow", health.Status);
        Assert.False(health.TimedOut);
        Assert.Equal(3, health.NumberOfNodes);
        Assert.Equal(3, health.NumberOfDataNodes);
        Assert.Equal(5, health.UnassignedShards);
        Assert.Equal(75.0, health.ActiveShardsPercentAsNumber);
        using var json = JsonDocument.Parse(body);
        string[] fields =
        [
            "active_primary_shards", "active_shards", "relocating_shards", "initializing_shards", "delayed_unassigned_shards",
            "number_of_pending_tasks", "number_of_in_flight_fetch", "task_max_waiting_in_queue_millis",
        ];
        Assert.All(fields, field => Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty(field).ValueKind));
    }

    [Theory]
    [InlineData("green", "green", HttpStatusCode.OK, false)]
    [InlineData("yellow", "green", HttpStatusCode.RequestTimeout, true)]
    [InlineData("red", "yellow", HttpStatusCode.RequestTimeout, true)]
    [InlineData("green", "yellow", HttpStatusCode.OK, false)]
    public async Task Elasticsearch_answers_408_when_wait_for_status_is_not_reached(string status, string waitFor, HttpStatusCode expected, bool timedOut)
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.ClusterStatus = status;
        using var response = await GetAsync(es, $"_cluster/health?wait_for_status={waitFor}&timeout=50ms");
        Assert.Equal(expected, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        Assert.Equal(timedOut, json.RootElement.GetProperty("timed_out").GetBoolean());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Elasticsearch_TimedOut_gives_408_with_timed_out_true()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.TimedOut = true;
        using var response = await GetAsync(es, "_cluster/health");
        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        Assert.True(json.RootElement.GetProperty("timed_out").GetBoolean());
    }

    [Fact]
    public async Task Elasticsearch_root_describes_the_node()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        using var json = JsonDocument.Parse(await ReadAsync(await GetAsync(es, "")));
        Assert.Equal("ops-test", json.RootElement.GetProperty("cluster_name").GetString());
        Assert.Equal("8.15.0", json.RootElement.GetProperty("version").GetProperty("number").GetString());
        Assert.Equal("You Know, for Search", json.RootElement.GetProperty("tagline").GetString());
    }

    [Fact]
    public async Task Elasticsearch_ServerError_is_503_master_not_discovered()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.Fault = StandInFault.ServerError;
        using var response = await GetAsync(es, "_cluster/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        Assert.Equal(503, json.RootElement.GetProperty("status").GetInt32());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("master_not_discovered_exception", error.GetProperty("type").GetString());
        Assert.Equal("master_not_discovered_exception", error.GetProperty("root_cause")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Elasticsearch_401_is_a_security_exception_with_its_challenges()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.BasicAuth = ("ops", "pa55");
        using var missing = await GetAsync(es, "_cluster/health");
        Assert.Equal(["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"], missing.Headers.WwwAuthenticate.Select(h => h.ToString()));
        using var json = JsonDocument.Parse(await ReadAsync(missing));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("security_exception", error.GetProperty("type").GetString());
        Assert.Equal("missing authentication credentials for REST request [/_cluster/health]", error.GetProperty("reason").GetString());
        Assert.Equal(2, error.GetProperty("header").GetProperty("WWW-Authenticate").GetArrayLength());
        Assert.Equal(401, json.RootElement.GetProperty("status").GetInt32());

        using var wrong = JsonDocument.Parse(await ReadAsync(await GetAsync(es, "_cluster/health", Basic("ops", "nope"))));
        Assert.Equal("unable to authenticate user [ops] for REST request [/_cluster/health]", wrong.RootElement.GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Elasticsearch_403_names_the_action_and_the_user()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.Fault = StandInFault.Forbidden;
        using var json = JsonDocument.Parse(await ReadAsync(await GetAsync(es, "_cluster/health", Basic("viewer", "x"))));
        Assert.Equal(403, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("security_exception", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("action [cluster:monitor/health] is unauthorized for user [viewer]", json.RootElement.GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Elasticsearch_takes_an_api_key_only_with_the_ApiKey_scheme()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        es.ApiKey = "k3y";
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(es, "_cluster/health", new("Bearer", "k3y"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(es, "_cluster/health", new("ApiKey", "k3y"))).StatusCode);
    }

    [Fact]
    public async Task Elasticsearch_rejects_an_unknown_cluster_status()
    {
        await using var es = await ElasticsearchStandIn.StartAsync();
        Assert.Throws<ArgumentException>(() => es.ClusterStatus = "purple");
    }

    // ---- Kibana ----

    [Theory]
    [InlineData("available", HttpStatusCode.OK)]
    [InlineData("degraded", HttpStatusCode.OK)]
    [InlineData("unavailable", HttpStatusCode.ServiceUnavailable)]
    [InlineData("critical", HttpStatusCode.ServiceUnavailable)]
    public async Task Kibana_8x_status_carries_the_overall_level_and_503_when_unavailable(string level, HttpStatusCode expected)
    {
        await using var kibana = await KibanaStandIn.StartAsync();
        kibana.OverallLevel = level;
        using var response = await GetAsync(kibana, "api/status");
        Assert.Equal(expected, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        var status = json.RootElement.GetProperty("status");
        Assert.Equal(level, status.GetProperty("overall").GetProperty("level").GetString());
        Assert.False(string.IsNullOrEmpty(status.GetProperty("overall").GetProperty("summary").GetString()));
        Assert.Equal(JsonValueKind.String, status.GetProperty("core").GetProperty("elasticsearch").GetProperty("level").ValueKind);
        Assert.Equal(JsonValueKind.Object, status.GetProperty("plugins").ValueKind);
        Assert.Equal("8.15.0", json.RootElement.GetProperty("version").GetProperty("number").GetString());
    }

    [Theory]
    [InlineData("available", "green", HttpStatusCode.OK)]
    [InlineData("degraded", "yellow", HttpStatusCode.OK)]
    [InlineData("unavailable", "red", HttpStatusCode.ServiceUnavailable)]
    public async Task Kibana_7x_status_carries_state_and_statuses(string level, string state, HttpStatusCode expected)
    {
        await using var kibana = await KibanaStandIn.StartAsync();
        kibana.Legacy7xShape = true;
        kibana.Version = "7.17.0";
        kibana.OverallLevel = level;
        using var response = await GetAsync(kibana, "api/status");
        Assert.Equal(expected, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        var status = json.RootElement.GetProperty("status");
        Assert.Equal(state, status.GetProperty("overall").GetProperty("state").GetString());
        Assert.False(status.GetProperty("overall").TryGetProperty("level", out _));
        Assert.Contains(status.GetProperty("statuses").EnumerateArray(), s => s.GetProperty("id").GetString() == "core:elasticsearch@7.17.0");
    }

    [Fact]
    public async Task Kibana_8x_answers_the_7x_shape_when_asked_with_v7format()
    {
        await using var kibana = await KibanaStandIn.StartAsync();
        using var json = JsonDocument.Parse(await ReadAsync(await GetAsync(kibana, "api/status?v7format=true")));
        Assert.Equal("green", json.RootElement.GetProperty("status").GetProperty("overall").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Kibana_faults_use_its_error_body()
    {
        await using var kibana = await KibanaStandIn.StartAsync();
        kibana.Fault = StandInFault.ServerError;
        using var notReady = await GetAsync(kibana, "api/status");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(new KibanaError(503, "Service Unavailable", "Kibana server is not ready yet"), JsonSerializer.Deserialize<KibanaError>(await ReadAsync(notReady), CamelCase));

        kibana.Fault = StandInFault.None;
        kibana.BasicAuth = ("ops", "pa55");
        using var unauthorized = await GetAsync(kibana, "api/status");
        Assert.Equal(new KibanaError(401, "Unauthorized", "Unauthorized"), JsonSerializer.Deserialize<KibanaError>(await ReadAsync(unauthorized), CamelCase));
    }

    // ---- Grafana ----

    [Fact]
    public async Task Grafana_health_reports_database_and_version()
    {
        await using var grafana = await GrafanaStandIn.StartAsync();
        using var response = await GetAsync(grafana, "api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = JsonSerializer.Deserialize<GrafanaHealth>(await ReadAsync(response), CamelCase)!;
        Assert.Equal("ok", health.Database);
        Assert.Equal("10.4.2", health.Version);
        Assert.False(string.IsNullOrEmpty(health.Commit));
    }

    [Fact]
    public async Task Grafana_with_a_failing_database_answers_503_failing()
    {
        await using var grafana = await GrafanaStandIn.StartAsync();
        grafana.DatabaseOk = false;
        using var response = await GetAsync(grafana, "api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("failing", JsonSerializer.Deserialize<GrafanaHealth>(await ReadAsync(response), CamelCase)!.Database);
    }

    [Fact]
    public async Task Grafana_401_says_Unauthorized()
    {
        await using var grafana = await GrafanaStandIn.StartAsync();
        grafana.ApiKey = "glsa_token";
        using var response = await GetAsync(grafana, "api/health");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(await ReadAsync(response));
        Assert.Equal("Unauthorized", json.RootElement.GetProperty("message").GetString());
    }

    // ---- Kubernetes API ----

    [Fact]
    public async Task Kubernetes_livez_is_plain_ok_and_verbose_lists_the_checks()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        using var plain = await GetAsync(k8s, "livez");
        Assert.Equal("ok", await ReadAsync(plain));
        Assert.Equal("text/plain", plain.Content.Headers.ContentType?.MediaType);
        var verbose = await ReadAsync(await GetAsync(k8s, "readyz?verbose"));
        Assert.StartsWith("[+]ping ok\n", verbose);
        Assert.Contains("[+]etcd ok\n", verbose);
        Assert.EndsWith("readyz check passed\n", verbose);
    }

    [Theory]
    [InlineData("livez")]
    [InlineData("readyz")]
    public async Task Kubernetes_failing_checks_give_500_with_the_listing(string endpoint)
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.FailingChecks = ["etcd"];
        using var response = await GetAsync(k8s, endpoint);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await ReadAsync(response);
        Assert.Contains("[+]ping ok\n", body);
        Assert.Contains("[-]etcd failed: reason withheld\n", body);
        Assert.EndsWith($"{endpoint} check failed\n", body);

        using var excluded = await GetAsync(k8s, endpoint + "?exclude=etcd");
        Assert.Equal(HttpStatusCode.OK, excluded.StatusCode);
    }

    [Fact]
    public async Task Kubernetes_health_and_version_are_open_to_anonymous_but_a_wrong_token_is_refused()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.RequiredBearerToken = "t0ken";
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(k8s, "livez")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(k8s, "version")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(k8s, "livez", new("Bearer", "wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(k8s, "api/v1/namespaces/default/pods")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(k8s, "api/v1/namespaces/default/pods", new("Bearer", "t0ken"))).StatusCode);
    }

    [Fact]
    public async Task Kubernetes_401_is_the_Unauthorized_Status_object()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.RequiredBearerToken = "t0ken";
        using var response = await GetAsync(k8s, "apis/apps/v1/namespaces/default/deployments");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(await ReadAsync(response));
        Assert.Equal(("Status", "v1", "Failure", "Unauthorized", "Unauthorized", 401), (status.Kind, status.ApiVersion, status.Status, status.Message, status.Reason, status.Code));
    }

    [Fact]
    public async Task Kubernetes_403_says_who_cannot_do_what_where()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.Fault = StandInFault.Forbidden;
        var status = KubernetesJson.Deserialize<V1Status>(await ReadAsync(await GetAsync(k8s, "apis/apps/v1/namespaces/default/deployments", new("Bearer", "t"))));
        Assert.Equal(403, status.Code);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal("deployments.apps is forbidden: User \"system:serviceaccount:ops:probe\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"default\"", status.Message);
        Assert.Equal(("apps", "deployments"), (status.Details.Group, status.Details.Kind));
    }

    [Fact]
    public async Task Kubernetes_ServerError_is_a_500_InternalError_Status()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.Fault = StandInFault.ServerError;
        using var response = await GetAsync(k8s, "api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(await ReadAsync(response));
        Assert.Equal(("InternalError", 500), (status.Reason, status.Code));
    }

    [Fact]
    public async Task Kubernetes_lists_are_typed_with_a_resourceVersion_and_items_without_kind()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.AddStatefulSet("default", "db", replicas: 3, readyReplicas: 2);
        k8s.AddDaemonSet("default", "agent", desiredNumberScheduled: 4, numberReady: 3);
        foreach (var (path, kind, apiVersion) in new[]
        {
            ("apis/apps/v1/namespaces/default/statefulsets", "StatefulSetList", "apps/v1"),
            ("apis/apps/v1/namespaces/default/daemonsets", "DaemonSetList", "apps/v1"),
            ("apis/apps/v1/namespaces/default/deployments", "DeploymentList", "apps/v1"),
            ("api/v1/namespaces/default/pods", "PodList", "v1"),
        })
        {
            using var json = JsonDocument.Parse(await ReadAsync(await GetAsync(k8s, path)));
            Assert.Equal(kind, json.RootElement.GetProperty("kind").GetString());
            Assert.Equal(apiVersion, json.RootElement.GetProperty("apiVersion").GetString());
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()));
            Assert.All(json.RootElement.GetProperty("items").EnumerateArray(), item => Assert.False(item.TryGetProperty("kind", out _)));
        }
        var sets = KubernetesJson.Deserialize<V1StatefulSetList>(await ReadAsync(await GetAsync(k8s, "apis/apps/v1/namespaces/default/statefulsets")));
        Assert.Equal((3, 2), (Assert.Single(sets.Items).Status.Replicas, sets.Items[0].Status.ReadyReplicas!.Value));
        var daemons = KubernetesJson.Deserialize<V1DaemonSetList>(await ReadAsync(await GetAsync(k8s, "apis/apps/v1/daemonsets")));
        Assert.Equal((4, 3), (Assert.Single(daemons.Items).Status.DesiredNumberScheduled, daemons.Items[0].Status.NumberReady));
    }

    [Fact]
    public async Task Kubernetes_leaves_out_zero_counts_as_the_api_server_does()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.AddDeployment("default", "down", replicas: 2, readyReplicas: 0, availableReplicas: 0);
        using var json = JsonDocument.Parse(await ReadAsync(await GetAsync(k8s, "apis/apps/v1/namespaces/default/deployments/down")));
        Assert.Equal("Deployment", json.RootElement.GetProperty("kind").GetString());
        var status = json.RootElement.GetProperty("status");
        Assert.False(status.TryGetProperty("readyReplicas", out _));
        Assert.False(status.TryGetProperty("availableReplicas", out _));
        Assert.Equal(2, status.GetProperty("unavailableReplicas").GetInt32());
    }

    [Theory]
    [InlineData("", "api,db,legacy,web")]
    [InlineData("app=web", "web")]
    [InlineData("app==web", "web")]
    [InlineData("app!=web", "api,db,legacy")]
    [InlineData("tier=backend,app!=db", "api")]
    [InlineData("tier in (frontend, backend)", "api,db,web")]
    [InlineData("tier notin (backend)", "legacy,web")]
    [InlineData("tier", "api,db,web")]
    [InlineData("!tier", "legacy")]
    [InlineData("app in (web,api),tier=backend", "api")]
    public async Task Kubernetes_label_selectors_filter_like_the_api_server(string selector, string expected)
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.AddPod("default", "web", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "frontend" });
        k8s.AddPod("default", "api", new Dictionary<string, string> { ["app"] = "api", ["tier"] = "backend" });
        k8s.AddPod("default", "db", new Dictionary<string, string> { ["app"] = "db", ["tier"] = "backend" });
        k8s.AddPod("default", "legacy", new Dictionary<string, string> { ["team"] = "old" });
        k8s.AddPod("other", "elsewhere", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "frontend" });
        var query = selector.Length == 0 ? "" : "?labelSelector=" + Uri.EscapeDataString(selector);
        var pods = KubernetesJson.Deserialize<V1PodList>(await ReadAsync(await GetAsync(k8s, "api/v1/namespaces/default/pods" + query)));
        var names = pods.Items.Select(p => p.Metadata.Name).Order();
        Assert.Equal(expected, string.Join(",", names));
    }

    [Theory]
    [InlineData("app in ()")]
    [InlineData("app=web=x")]
    [InlineData("app in web")]
    public async Task Kubernetes_an_unparsable_selector_is_400_BadRequest(string selector)
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        using var response = await GetAsync(k8s, "api/v1/pods?labelSelector=" + Uri.EscapeDataString(selector));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", KubernetesJson.Deserialize<V1Status>(await ReadAsync(response)).Reason);
    }

    [Fact]
    public async Task Kubernetes_an_unknown_object_is_404_NotFound()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        using var response = await GetAsync(k8s, "apis/apps/v1/namespaces/default/deployments/missing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(await ReadAsync(response));
        Assert.Equal("deployments.apps \"missing\" not found", status.Message);
    }

    [Fact]
    public async Task KubernetesClient_reads_deployments_and_pods_through_a_kubeconfig_with_a_token()
    {
        using var temp = new TempDirectory();
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        var token = Guid.NewGuid().ToString("N");
        k8s.RequiredBearerToken = token;
        var web = new Dictionary<string, string> { ["app"] = "web" };
        k8s.AddDeployment("prod", "web", web, replicas: 3, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 3, generation: 4, observedGeneration: 3);
        k8s.AddDeployment("prod", "other", new Dictionary<string, string> { ["app"] = "other" });
        var finished = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        k8s.AddPod("prod", "web-1", web, "ReplicaSet", "web-5d9f", "Running",
            new PodContainer("web") { WaitingReason = "CrashLoopBackOff", RestartCount = 6, LastTerminatedAt = finished, LastExitCode = 137, LastTerminatedReason = "OOMKilled" });
        k8s.AddPod("prod", "web-2", web, "ReplicaSet", "web-5d9f");

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(k8s.WriteKubeconfig(Path.Combine(temp.Path, "config"), token));
        using var client = new k8s.Kubernetes(config);
        var deployments = await client.AppsV1.ListNamespacedDeploymentAsync("prod", labelSelector: "app=web");
        var deployment = Assert.Single(deployments.Items);
        Assert.Equal(("web", 3, 2, 2, 3, 4L, 3L), (deployment.Metadata.Name, deployment.Spec.Replicas!.Value, deployment.Status.ReadyReplicas!.Value,
            deployment.Status.AvailableReplicas!.Value, deployment.Status.UpdatedReplicas!.Value, deployment.Metadata.Generation!.Value, deployment.Status.ObservedGeneration!.Value));

        var pods = await client.CoreV1.ListNamespacedPodAsync("prod", labelSelector: "app=web");
        Assert.Equal(["web-1", "web-2"], pods.Items.Select(p => p.Metadata.Name).Order());
        var crashing = pods.Items.Single(p => p.Metadata.Name == "web-1");
        Assert.Equal(("ReplicaSet", "web-5d9f"), (crashing.Metadata.OwnerReferences[0].Kind, crashing.Metadata.OwnerReferences[0].Name));
        var container = Assert.Single(crashing.Status.ContainerStatuses);
        Assert.Equal(("CrashLoopBackOff", 6, false), (container.State.Waiting.Reason, container.RestartCount, container.Ready));
        Assert.Equal((finished, 137, "OOMKilled"), (container.LastState.Terminated.FinishedAt!.Value.ToUniversalTime(), container.LastState.Terminated.ExitCode, container.LastState.Terminated.Reason));
        Assert.Contains(crashing.Status.Conditions, c => c.Type == "Ready" && c.Status == "False");
        Assert.Contains(pods.Items.Single(p => p.Metadata.Name == "web-2").Status.Conditions, c => c.Type == "Ready" && c.Status == "True");

        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "prod");
        Assert.Equal("web", read.Metadata.Name);
    }

    [Fact]
    public async Task KubernetesClient_with_a_wrong_token_gets_401()
    {
        using var temp = new TempDirectory();
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        k8s.RequiredBearerToken = Guid.NewGuid().ToString("N");
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(k8s.WriteKubeconfig(Path.Combine(temp.Path, "config"), "not-the-token"));
        using var client = new k8s.Kubernetes(config);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync("default"));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);
    }

    [Fact]
    public async Task Adding_an_object_again_replaces_it_and_moves_the_resourceVersion()
    {
        await using var k8s = await KubernetesApiStandIn.StartAsync();
        var first = k8s.AddDeployment("default", "web", replicas: 3, readyReplicas: 1);
        var second = k8s.AddDeployment("default", "web", replicas: 3, readyReplicas: 3);
        var list = KubernetesJson.Deserialize<V1DeploymentList>(await ReadAsync(await GetAsync(k8s, "apis/apps/v1/namespaces/default/deployments")));
        Assert.Equal(3, Assert.Single(list.Items).Status.ReadyReplicas);
        Assert.True(long.Parse(second.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)
            > long.Parse(first.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(second.Metadata.ResourceVersion, list.Metadata.ResourceVersion);
    }

    // ---- helpers ----

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly JsonSerializerOptions CamelCase = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static async Task<(StandIn StandIn, string HealthyPath)> StartAsync(string kind)
    {
        switch (kind)
        {
            case "elasticsearch":
                return (await ElasticsearchStandIn.StartAsync(), "/_cluster/health");
            case "kibana":
                return (await KibanaStandIn.StartAsync(), "/api/status");
            case "grafana":
                return (await GrafanaStandIn.StartAsync(), "/api/health");
            default:
                var k8s = await KubernetesApiStandIn.StartAsync();
                k8s.AddDeployment("default", "web");
                return (k8s, "/apis/apps/v1/namespaces/default/deployments");
        }
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private async Task<HttpResponseMessage> GetAsync(StandIn standIn, string path, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(standIn.BaseUri, path));
        request.Headers.Authorization = authorization;
        return await _http.SendAsync(request);
    }

    private static Task<string> ReadAsync(HttpResponseMessage response) => response.Content.ReadAsStringAsync();

    private sealed record ClusterHealth(string ClusterName, string Status, bool TimedOut, int NumberOfNodes, int NumberOfDataNodes,
        int UnassignedShards, double ActiveShardsPercentAsNumber);

    private sealed record KibanaError(int StatusCode, string Error, string Message);

    private sealed record GrafanaHealth(string Commit, string Database, string Version);
}
