using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>A webhook receiver on 127.0.0.1 that keeps every request and answers with a scripted status sequence.</summary>
public sealed class RecordingReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Queue<int> _statuses;
    private readonly List<(string Path, string Body, string? Authorization)> _requests = [];
    private readonly Task _serving;

    public RecordingReceiver(params int[] statuses)
    {
        _statuses = new Queue<int>(statuses);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hook";

    public IReadOnlyList<(string Path, string Body, string? Authorization)> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public IReadOnlyList<JsonNode> Bodies => [.. Requests.Select(r => JsonNode.Parse(r.Body)!)];

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            int status;
            lock (_requests)
            {
                _requests.Add((context.Request.Url!.PathAndQuery, body, context.Request.Headers["Authorization"]));
                status = _statuses.Count > 1 ? _statuses.Dequeue() : _statuses.Count == 1 ? _statuses.Peek() : 202;
            }
            context.Response.StatusCode = status;
            var answer = Encoding.UTF8.GetBytes(status < 300 ? """{"status":"success"}""" : """{"message":"rejected"}""");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
    }
}
