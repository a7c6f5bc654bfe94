/**
 * The Pulsar sidebar tab (editor side of the pulsar-sidebar plugin). It polls the runtime's
 * /pulsar-sidebar routes (which reach Pulsar through the deployed endpoint: no token here), only
 * while the tab is on screen and the page visible, at most once per POLL_MS per endpoint.
 * Everything a server names (topics, subscriptions, producers, payloads) is put on the page with
 * .text() or as SVG text nodes, never as HTML. Actions ask for a confirmation and are hidden
 * from users without the write permission. The chart's history lives in this page only.
 */
/* eslint-disable @typescript-eslint/no-this-alias -- the methods hand `this` to jQuery callbacks as `self` (ES2017 script, as Node-RED's own editor code) */
(function () {
    "use strict";
    var NS = "@pulsar-ws/node-red-pulsar/pulsar-sidebar:pulsar.sidebar.";
    var POLL_MS = 3000;
    /** Chart window and points kept per topic (one per poll). */
    var HISTORY_MS = 5 * 60 * 1000;
    var FORMATS = ["auto", "utf8", "json", "base64", "buffer", "schema"];

    function t(key, opts) {
        return RED._(NS + key, opts);
    }

    function canWrite() {
        return RED.user.hasPermission("pulsar-sidebar.write");
    }

    function el(tag, cls, text) {
        var e = $("<" + tag + ">");
        if (cls) e.addClass(cls);
        if (text !== undefined) e.text(String(text));
        return e;
    }

    function rate(n) {
        return n >= 100 ? String(Math.round(n)) : (Math.round(n * 10) / 10).toString();
    }

    function bytes(n) {
        var units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        while (n >= 1024 && i < units.length - 1) {
            n /= 1024;
            i++;
        }
        return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
    }

    /** The local part of a full name; the namespace is the endpoint's. */
    function shortName(full) {
        var parts = String(full).split("/");
        return parts[parts.length - 1];
    }

    function api(method, path, body) {
        var opts = { url: "pulsar-sidebar/" + path, method: method, dataType: "json", timeout: 30000 };
        if (body !== undefined) {
            opts.contentType = "application/json";
            opts.data = JSON.stringify(body);
        }
        return $.ajax(opts);
    }

    /** A confirmation in Node-RED's own modal notification; `content` is a jQuery element (text only). */
    function confirmDialog(content, okLabel, onOk) {
        var box = RED.notify(content, {
            modal: true,
            fixed: true,
            type: "warning",
            buttons: [
                { text: t("cancel"), click: function () { box.close(); } },
                { text: okLabel, class: "primary pulsar-sidebar-confirm", click: function () { box.close(); onOk(); } }
            ]
        });
        return box;
    }

    function Sidebar() {
        var self = this;
        self.endpoints = [];
        self.endpointId = "";
        self.answer = null;
        self.selected = "";
        self.history = {};
        self.timer = null;
        self.inFlight = false;
        self.lastPoll = 0;
        self.peekCount = 5;
        self.peekFormat = "auto";
        self.dragging = false;

        self.content = el("div", "pulsar-sidebar");
        var header = el("div", "red-ui-sidebar-header pulsar-sidebar-header").appendTo(self.content);
        self.endpointSelect = el("select", "pulsar-sidebar-endpoint").appendTo(header).on("change", function () {
            self.endpointId = String($(this).val() || "");
            self.answer = null;
            self.selected = "";
            self.render();
            self.pollSoon(0);
        });
        self.createButton = el("button", "red-ui-button red-ui-button-small pulsar-sidebar-create")
            .attr("title", t("create-topic"))
            .append(el("i", "fa fa-plus"))
            .appendTo(header)
            .on("click", function () { self.createTopic(); });
        // The tab's short help (docs/sidebar.md has the rest): Node-RED's tooltip, our own catalog text.
        var help = el("button", "red-ui-button red-ui-button-small pulsar-sidebar-help").append(el("i", "fa fa-question")).appendTo(header);
        RED.popover.tooltip(help, t("help"));
        self.state = el("div", "pulsar-sidebar-state").appendTo(self.content);
        self.body = el("div", "pulsar-sidebar-body").appendTo(self.content);
        self.topicsBox = el("div", "pulsar-sidebar-topics").appendTo(self.body);
        // The selected topic: its head (name, peek, delete) and the rest are drawn again with each
        // poll; a peek's result between them stays until another topic is chosen or peeked.
        self.detailHead = el("div", "pulsar-sidebar-detail").appendTo(self.body);
        self.peekBox = el("div", "pulsar-sidebar-peek").appendTo(self.body);
        self.detail = el("div", "pulsar-sidebar-detail-body").appendTo(self.body);

        RED.sidebar.addTab({
            id: "pulsar",
            label: t("label"),
            name: t("name"),
            iconClass: "fa fa-rss",
            content: self.content,
            enableOnEdit: true,
            onchange: function () { self.pollSoon(0); }
        });
        // A deploy may add or remove endpoints: this editor's, and any other's (Node-RED tells every
        // editor with this notification, as its own "flows changed in the background" banner uses it).
        RED.events.on("deploy", function () { self.loadEndpoints(); });
        RED.comms.subscribe("notification/runtime-deploy", function () { self.loadEndpoints(); });
        $(document).on("visibilitychange", function () { self.pollSoon(0); });
        self.loadEndpoints();
    }

    Sidebar.prototype.visible = function () {
        return this.content.is(":visible") && document.visibilityState !== "hidden";
    };

    Sidebar.prototype.loadEndpoints = function () {
        var self = this;
        api("GET", "endpoints").done(function (data) {
            self.endpoints = (data && Array.isArray(data.endpoints)) ? data.endpoints : [];
            if (!self.endpoints.some(function (e) { return e.id === self.endpointId; })) {
                self.endpointId = self.endpoints.length ? self.endpoints[0].id : "";
                self.answer = null;
                self.selected = "";
            }
            self.endpointSelect.empty();
            self.endpoints.forEach(function (e) {
                var label = (e.name || e.host || e.id) + (e.namespace ? " · " + e.namespace : "");
                el("option", "", label).attr("value", e.id).appendTo(self.endpointSelect);
            });
            self.endpointSelect.val(self.endpointId);
            self.render();
            self.pollSoon(0);
        }).fail(function (xhr) {
            self.state.text(t("down", { error: xhr.status ? "HTTP " + xhr.status : "no answer" }));
        });
    };

    /** The next poll in `delay` ms (no earlier than POLL_MS after the last), or none while hidden. */
    Sidebar.prototype.pollSoon = function (delay) {
        var self = this;
        clearTimeout(self.timer);
        var wait = Math.max(delay, self.lastPoll + POLL_MS - Date.now(), 0);
        self.timer = setTimeout(function () { self.poll(); }, wait);
    };

    Sidebar.prototype.poll = function () {
        var self = this;
        if (!self.visible() || !self.endpointId || self.inFlight) {
            // Hidden: nothing is asked; onchange / visibilitychange start it again.
            if (self.endpointId && !self.visible()) self.state.text(t("paused"));
            return;
        }
        self.inFlight = true;
        self.lastPoll = Date.now();
        var id = self.endpointId;
        api("GET", "endpoints/" + encodeURIComponent(id) + "/topics").done(function (answer) {
            if (id !== self.endpointId) return;
            self.answer = answer;
            if (answer.ok) self.remember(answer);
            self.render();
        }).fail(function (xhr) {
            self.answer = { ok: false, topics: [], error: xhr.status ? "HTTP " + xhr.status : "no answer" };
            self.render();
        }).always(function () {
            self.inFlight = false;
            self.pollSoon(POLL_MS);
        });
    };

    Sidebar.prototype.remember = function (answer) {
        var self = this;
        var cutoff = answer.at - HISTORY_MS;
        answer.topics.forEach(function (topic) {
            var key = self.endpointId + " " + topic.name;
            var points = (self.history[key] = self.history[key] || []);
            points.push({ at: answer.at, rin: topic.msgRateIn, rout: topic.msgRateOut, backlog: topic.backlog });
            while (points.length && points[0].at < cutoff) points.shift();
        });
    };

    Sidebar.prototype.render = function () {
        var self = this;
        self.createButton.toggle(canWrite() && !!self.endpointId);
        self.endpointSelect.toggle(self.endpoints.length > 0);
        if (!self.endpoints.length) {
            self.state.text(t("no-endpoints"));
            self.topicsBox.empty();
            self.detailHead.empty();
            self.detail.empty();
            return;
        }
        var answer = self.answer;
        if (!answer) {
            self.state.removeClass("pulsar-sidebar-down").text(t("loading"));
            return;
        }
        if (!answer.ok) {
            self.state.addClass("pulsar-sidebar-down").text(t("down", { error: answer.error }));
            self.topicsBox.empty();
            self.detailHead.empty();
            self.detail.empty();
            return;
        }
        self.state.removeClass("pulsar-sidebar-down").text(t("updated", { time: new Date(answer.at).toLocaleTimeString() }));
        // Not under a drag (it would lose its row) nor while a field of the detail is being typed in.
        if (!self.dragging) self.renderTopics(answer);
        if (!self.detailHead.find(":focus").length) self.renderDetail();
    };

    Sidebar.prototype.renderTopics = function (answer) {
        var self = this;
        self.topicsBox.empty();
        if (!answer.topics.length) {
            el("div", "pulsar-sidebar-empty", t("no-topics", { namespace: answer.namespace })).appendTo(self.topicsBox);
            return;
        }
        var table = el("table", "red-ui-info-table pulsar-sidebar-table").appendTo(self.topicsBox);
        var head = el("tr").appendTo(el("thead").appendTo(table));
        ["col-topic", "col-in", "col-out", "col-storage", "col-backlog"].forEach(function (k) { el("th", "", t(k)).appendTo(head); });
        var tbody = el("tbody").appendTo(table);
        answer.topics.forEach(function (topic) {
            var row = el("tr", "pulsar-sidebar-topic").attr("data-topic", topic.name).appendTo(tbody);
            var name = el("div", "pulsar-sidebar-name").appendTo(el("td").appendTo(row));
            el("span", "pulsar-sidebar-name-text", shortName(topic.name)).appendTo(name);
            if (topic.partitions > 0) el("span", "pulsar-sidebar-badge pulsar-sidebar-partitions", "×" + topic.partitions).attr("title", t("partitions", { count: topic.partitions })).appendTo(name);
            row.attr("title", topic.name + "\n" + (topic.partitions > 0 ? t("partitions", { count: topic.partitions }) + "\n" : "") + t("drag-hint"));
            el("td", "pulsar-sidebar-num pulsar-sidebar-in", rate(topic.msgRateIn)).appendTo(row);
            el("td", "pulsar-sidebar-num pulsar-sidebar-out", rate(topic.msgRateOut)).appendTo(row);
            el("td", "pulsar-sidebar-num pulsar-sidebar-storage", bytes(topic.storageSize)).appendTo(row);
            el("td", "pulsar-sidebar-num pulsar-sidebar-backlog", String(topic.backlog)).appendTo(row);
            if (topic.name === self.selected) row.addClass("selected");
            row.on("click", function () {
                self.selected = topic.name;
                self.topicsBox.find("tr.selected").removeClass("selected");
                row.addClass("selected");
                self.peekBox.empty();
                self.renderDetail();
            });
            self.makeDraggable(row, topic.name);
        });
        if (answer.more > 0) el("div", "pulsar-sidebar-empty", t("more-topics", { count: answer.more })).appendTo(self.topicsBox);
    };

    Sidebar.prototype.selectedTopic = function () {
        var self = this;
        var topics = self.answer && self.answer.ok ? self.answer.topics : [];
        return topics.filter(function (topic) { return topic.name === self.selected; })[0];
    };

    Sidebar.prototype.renderDetail = function () {
        var self = this;
        var topic = self.selectedTopic();
        self.detailHead.empty();
        self.detail.empty();
        if (!topic) {
            el("div", "pulsar-sidebar-empty", t("select-topic")).appendTo(self.detailHead);
            return;
        }
        var title = el("div", "pulsar-sidebar-title").appendTo(self.detailHead);
        el("span", "pulsar-sidebar-title-name", topic.name).appendTo(title);
        var tools = el("div", "pulsar-sidebar-tools").appendTo(self.detailHead);
        self.peekOptions(tools);
        self.peekButton(tools, topic, undefined);
        if (canWrite()) {
            el("button", "red-ui-button red-ui-button-small pulsar-sidebar-delete", t("delete-topic")).appendTo(tools).on("click", function () {
                self.confirmAction(el("div", "", t("confirm-delete", { topic: topic.name })), t("delete-topic"), { action: "delete-topic", topic: topic.name }, function () {
                    self.selected = "";
                });
            });
        }
        self.chart(topic).appendTo(self.detail);

        el("div", "pulsar-sidebar-section", t("subscriptions")).appendTo(self.detail);
        if (!topic.subscriptions.length) el("div", "pulsar-sidebar-empty", t("no-subscriptions")).appendTo(self.detail);
        topic.subscriptions.forEach(function (sub) { self.subscription(topic, sub).appendTo(self.detail); });

        el("div", "pulsar-sidebar-section", t("producers")).appendTo(self.detail);
        if (!topic.producers.length) el("div", "pulsar-sidebar-empty", t("no-producers")).appendTo(self.detail);
        topic.producers.forEach(function (p) {
            var row = el("div", "pulsar-sidebar-producer").appendTo(self.detail);
            el("span", "pulsar-sidebar-producer-name", p.name).appendTo(row);
            el("span", "pulsar-sidebar-muted", " " + p.address + " · " + t("producer-rate", { rate: rate(p.msgRateIn) })).appendTo(row);
        });
    };

    Sidebar.prototype.subscription = function (topic, sub) {
        var self = this;
        var box = el("div", "pulsar-sidebar-sub").attr("data-subscription", sub.name);
        var head = el("div", "pulsar-sidebar-sub-head").appendTo(box);
        el("span", "pulsar-sidebar-sub-name", sub.name).appendTo(head);
        el("span", "pulsar-sidebar-badge", sub.type).appendTo(head);
        if (sub.nodes.length) {
            var names = sub.nodes.map(function (n) { return n.name; }).join(", ");
            el("span", "pulsar-sidebar-badge pulsar-sidebar-ours" + (sub.consumerCount ? "" : " idle"), t(sub.consumerCount ? "this-node-red" : "this-node-red-idle", { nodes: names })).appendTo(head);
        }
        var numbers = el("div", "pulsar-sidebar-sub-numbers").appendTo(box);
        [["sub-backlog", sub.backlog, "pulsar-sidebar-sub-backlog"], ["sub-consumers", sub.consumerCount, "pulsar-sidebar-sub-consumers"], ["sub-unacked", sub.unacked, "pulsar-sidebar-sub-unacked"]].forEach(function (cell) {
            var item = el("span", "pulsar-sidebar-sub-number").appendTo(numbers);
            el("span", "pulsar-sidebar-muted", t(cell[0]) + " ").appendTo(item);
            el("span", cell[2], String(cell[1])).appendTo(item);
        });
        sub.consumers.forEach(function (c) {
            el("div", "pulsar-sidebar-consumer" + (c.local ? " pulsar-sidebar-ours" : ""), (c.name || "?") + " · " + c.address + " · " + t("sub-unacked") + " " + c.unacked).appendTo(box);
        });
        var tools = el("div", "pulsar-sidebar-tools").appendTo(box);
        self.peekButton(tools, topic, sub.name);
        if (canWrite()) {
            el("button", "red-ui-button red-ui-button-small pulsar-sidebar-clear", t("clear-backlog")).appendTo(tools).on("click", function () {
                self.confirmAction(el("div", "", t("confirm-clear", { subscription: sub.name, topic: topic.name, count: sub.backlog })), t("clear-backlog"), { action: "skip-all", topic: topic.name, subscription: sub.name });
            });
            el("button", "red-ui-button red-ui-button-small pulsar-sidebar-reset", t("reset-cursor")).appendTo(tools).on("click", function () {
                var content = el("div", "", t("confirm-reset", { subscription: sub.name, topic: topic.name }));
                var d = new Date(Date.now() - 10 * 60 * 1000 - new Date().getTimezoneOffset() * 60000);
                var input = el("input", "pulsar-sidebar-reset-time").attr("type", "datetime-local").attr("step", "1").val(d.toISOString().slice(0, 19));
                $("<div>").append(input).appendTo(content);
                // An empty or incomplete date is NaN, sent as null: never confirmable (the runtime refuses it too).
                var when = function () { return new Date(String(input.val())).getTime(); };
                var box = self.confirmAction(content, t("reset-cursor"), function () {
                    return { action: "reset-cursor", topic: topic.name, subscription: sub.name, time: when() };
                });
                var check = function () { $(box).find(".pulsar-sidebar-confirm").prop("disabled", !isFinite(when())); };
                input.on("input change", check);
                check();
            });
        }
        return box;
    };

    /** How many messages a peek shows, and in which payload format: once per topic, for every Peek button. */
    Sidebar.prototype.peekOptions = function (tools) {
        var self = this;
        el("span", "pulsar-sidebar-muted", t("peek")).appendTo(tools);
        // Kept across polls (the detail is drawn again with each).
        var count = el("input", "pulsar-sidebar-peek-count").attr({ type: "number", min: 1, max: 20, title: t("peek-count") }).val(self.peekCount).appendTo(tools)
            .on("change", function () { self.peekCount = Number(count.val()) || 1; });
        var format = el("select", "pulsar-sidebar-peek-format").attr("title", t("peek-format")).appendTo(tools);
        FORMATS.forEach(function (f) { el("option", "", f).attr("value", f).appendTo(format); });
        format.val(self.peekFormat).on("change", function () { self.peekFormat = String(format.val()); });
    };

    /** A Peek button; the result opens under the topic's detail. */
    Sidebar.prototype.peekButton = function (tools, topic, subscription) {
        var self = this;
        el("button", "red-ui-button red-ui-button-small pulsar-sidebar-peek-button", t(subscription ? "peek-subscription" : "peek-topic")).appendTo(tools).on("click", function () {
            self.peek(topic, subscription, self.peekCount, self.peekFormat);
        });
    };

    Sidebar.prototype.peek = function (topic, subscription, count, format) {
        var self = this;
        self.peekBox.empty();
        var title = subscription ? t("peek-title-subscription", { count: count, subscription: subscription }) : t("peek-title-topic", { count: count, topic: shortName(topic.name) });
        el("div", "pulsar-sidebar-section", title).appendTo(self.peekBox);
        var list = el("div", "pulsar-sidebar-peek-list", t("loading")).appendTo(self.peekBox);
        self.peekBox[0].scrollIntoView({ block: "nearest" });
        api("POST", "endpoints/" + encodeURIComponent(self.endpointId) + "/peek", { topic: topic.name, subscription: subscription, count: count, format: format }).done(function (answer) {
            list.empty();
            if (!answer.ok) {
                list.addClass("pulsar-sidebar-down").text(answer.error);
                return;
            }
            // What the runtime's bounds left out (sidebar-peek.ts), said, not hidden.
            if (answer.examined < answer.partitions) el("div", "pulsar-sidebar-empty pulsar-sidebar-peek-note", t("peek-partitions", { examined: answer.examined, partitions: answer.partitions })).appendTo(list);
            if (answer.cut > 0) el("div", "pulsar-sidebar-empty pulsar-sidebar-peek-note", t("peek-cut", { count: answer.cut, size: bytes(answer.cutAt) })).appendTo(list);
            if (!answer.messages.length) el("div", "pulsar-sidebar-empty", t("peek-none")).appendTo(list);
            answer.messages.forEach(function (encoded) {
                // As the debug sidebar shows a msg: decoded, then an expandable object view (text only).
                var msg = RED.utils.decodeObject(encoded.msg, encoded.format);
                var entry = el("div", "red-ui-debug-msg pulsar-sidebar-message").appendTo(list);
                var meta = el("div", "red-ui-debug-msg-meta").appendTo(entry);
                var info = msg && msg.pulsar ? msg.pulsar : {};
                el("span", "red-ui-debug-msg-date", info.publishTime || "").appendTo(meta);
                el("span", "red-ui-debug-msg-topic", info.messageId || "").appendTo(meta);
                $("<div>").append(RED.utils.createObjectElement(msg, { key: "msg", typeHint: "Object", hideKey: false, path: "", rootPath: "", expandPaths: ["payload"], expandLeafNodes: true })).appendTo(entry);
            });
        }).fail(function (xhr) {
            list.addClass("pulsar-sidebar-down").text(xhr.status ? "HTTP " + xhr.status : "no answer");
        });
    };

    /** Asks, then posts the action (`body` or a function that builds it when confirmed); the next poll shows the change. Returns the dialog. */
    Sidebar.prototype.confirmAction = function (content, label, body, after) {
        var self = this;
        var id = self.endpointId;
        return confirmDialog(content, label, function () {
            var request = typeof body === "function" ? body() : body;
            api("POST", "endpoints/" + encodeURIComponent(id) + "/action", request).done(function (answer) {
                if (answer.ok) {
                    RED.notify(t("done", { what: label }), { type: "success", timeout: 3000 });
                    if (after) after();
                } else {
                    RED.notify(el("div", "", t("failed", { what: label, error: answer.error })), { type: "error", timeout: 8000 });
                }
            }).fail(function (xhr) {
                RED.notify(el("div", "", t("failed", { what: label, error: xhr.status ? "HTTP " + xhr.status : "no answer" })), { type: "error", timeout: 8000 });
            }).always(function () {
                self.lastPoll = 0;
                self.pollSoon(0);
            });
        });
    };

    Sidebar.prototype.createTopic = function () {
        var self = this;
        var content = el("div", "pulsar-sidebar-create-form");
        var row1 = el("div", "form-row").appendTo(content);
        el("label", "", t("create-name")).appendTo(row1);
        var name = el("input", "pulsar-sidebar-create-name").attr("type", "text").appendTo(row1);
        var row2 = el("div", "form-row").appendTo(content);
        el("label", "", t("create-partitions")).appendTo(row2);
        var partitions = el("input", "pulsar-sidebar-create-partitions").attr({ type: "number", min: 0, max: 1000 }).val(0).appendTo(row2);
        self.confirmAction(content, t("create-topic"), function () {
            return { action: "create-topic", topic: String(name.val()).trim(), partitions: Number(partitions.val()) || 0 };
        });
    };

    /** The selected topic's rates over the last minutes, from this page's polls: two SVG polylines. */
    Sidebar.prototype.chart = function (topic) {
        var points = this.history[this.endpointId + " " + topic.name] || [];
        var box = el("div", "pulsar-sidebar-chart").attr("title", t("chart"));
        var W = 300, H = 70;
        var svgNS = "http://www.w3.org/2000/svg";
        var svg = document.createElementNS(svgNS, "svg");
        svg.setAttribute("viewBox", "0 0 " + W + " " + H);
        svg.setAttribute("preserveAspectRatio", "none");
        svg.setAttribute("class", "pulsar-sidebar-chart-svg");
        if (points.length < 2) {
            el("div", "pulsar-sidebar-empty", t("chart-empty")).appendTo(box);
            return box;
        }
        var end = points[points.length - 1].at;
        // The window grows with the history, from one minute up to HISTORY_MS, so a young chart is not a sliver.
        var span = Math.min(HISTORY_MS, Math.max(60 * 1000, end - points[0].at));
        var max = 1;
        var maxBacklog = 1;
        points.forEach(function (p) {
            max = Math.max(max, p.rin, p.rout);
            maxBacklog = Math.max(maxBacklog, p.backlog);
        });
        // Rates share one scale; the backlog (a count, dashed) has its own.
        function line(key, cls, top) {
            var poly = document.createElementNS(svgNS, "polyline");
            poly.setAttribute("class", cls);
            poly.setAttribute("points", points.map(function (p) {
                var x = W - ((end - p.at) / span) * W;
                var y = H - 2 - (p[key] / top) * (H - 4);
                return x.toFixed(1) + "," + y.toFixed(1);
            }).join(" "));
            svg.appendChild(poly);
        }
        line("backlog", "pulsar-sidebar-line-backlog", maxBacklog);
        line("rin", "pulsar-sidebar-line-in", max);
        line("rout", "pulsar-sidebar-line-out", max);
        box.append(svg);
        var legend = el("div", "pulsar-sidebar-legend").appendTo(box);
        el("span", "pulsar-sidebar-key-in", t("chart-in") + " " + rate(topic.msgRateIn)).appendTo(legend);
        el("span", "pulsar-sidebar-key-out", t("chart-out") + " " + rate(topic.msgRateOut)).appendTo(legend);
        el("span", "pulsar-sidebar-key-backlog", t("chart-backlog") + " " + topic.backlog).appendTo(legend);
        el("span", "pulsar-sidebar-muted", "max " + rate(max) + "/s").appendTo(legend);
        return box;
    };

    /**
     * A topic row dragged onto the workspace becomes a pulsar in (Shift at the drop: a pulsar out)
     * set to the topic and this endpoint, where it was dropped. jQuery UI's draggable, as the
     * palette's; the workspace's own droppable takes only palette nodes, so the drop is placed here.
     */
    Sidebar.prototype.makeDraggable = function (row, topicName) {
        var self = this;
        row.draggable({
            helper: function () {
                return el("div", "pulsar-sidebar-drag", shortName(topicName));
            },
            appendTo: "body",
            cursorAt: { left: -8, top: -8 },
            revert: false,
            distance: 6,
            start: function () { self.dragging = true; },
            stop: function (event) {
                self.dragging = false;
                var chart = $("#red-ui-workspace-chart");
                var offset = chart.offset();
                var inside = event.pageX >= offset.left && event.pageX <= offset.left + chart.width() && event.pageY >= offset.top && event.pageY <= offset.top + chart.height();
                if (!inside || RED.workspaces.isLocked && RED.workspaces.isLocked()) return;
                var scale = RED.view.scale();
                var x = (event.pageX - offset.left + chart.scrollLeft()) / scale;
                var y = (event.pageY - offset.top + chart.scrollTop()) / scale;
                self.addNode(event.shiftKey ? "pulsar-out" : "pulsar-in", topicName, x, y);
            }
        });
    };

    Sidebar.prototype.addNode = function (type, topicName, x, y) {
        var id = RED.nodes.id();
        // A topic of the endpoint's own namespace by its short name, as a user would type it.
        var prefix = "persistent://" + (this.answer && this.answer.namespace) + "/";
        var topic = topicName.indexOf(prefix) === 0 ? topicName.slice(prefix.length) : topicName;
        var node = { id: id, type: type, z: RED.workspaces.active(), x: x, y: y, name: "", topic: topic, endpoint: this.endpointId, wires: type === "pulsar-in" ? [[]] : [] };
        RED.view.importNodes([node], { generateIds: false, addFlow: false, touchImport: true, notify: false, applyNodeDefaults: true });
        var added = RED.nodes.node(id);
        if (added) {
            added.x = x;
            added.y = y;
            added.dirty = true;
            RED.editor.validateNode(added);
        }
        RED.view.redraw(true);
    };

    window.PulsarSidebar = { create: function () { return new Sidebar(); } };
})();
