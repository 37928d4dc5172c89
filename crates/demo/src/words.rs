//! Word lists the synthetic mesh is built from, so generated names read like a real company's and
//! search queries such as "customer email" or "shipment tracking" have meaningful answers.

/// What a column holds; decides its logical and physical types.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Id,
    Text,
    Code,
    Email,
    Amount,
    Int,
    Date,
    Timestamp,
    Bool,
}

#[derive(Clone, Copy)]
pub(crate) struct ColumnWord {
    /// snake_case; camelCase and kebab-case variants are derived.
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
    pub classification: &'static str,
}

const fn col(name: &'static str, kind: Kind, description: &'static str, classification: &'static str) -> ColumnWord {
    ColumnWord { name, kind, description, classification }
}

pub(crate) struct DomainWords {
    pub name: &'static str,
    /// (plural, singular) in snake_case.
    pub entities: &'static [(&'static str, &'static str)],
    pub columns: &'static [ColumnWord],
}

use Kind::*;

pub(crate) const COMMON_COLUMNS: &[ColumnWord] = &[
    col("created_at", Timestamp, "Time the record was created in the source system.", "internal"),
    col("updated_at", Timestamp, "Time the record was last changed in the source system.", "internal"),
    col("status", Code, "Lifecycle status of the record.", "internal"),
    col("country_code", Code, "ISO 3166-1 alpha-2 country code.", "public"),
    col("currency_code", Code, "ISO 4217 currency code of all amounts.", "public"),
    col("customer_id", Id, "Identifier of the customer.", "internal"),
    col("product_id", Id, "Identifier of the product.", "internal"),
    col("order_id", Id, "Identifier of the sales order.", "internal"),
    col("source_system", Text, "System the record was extracted from.", "internal"),
    col("is_active", Bool, "Whether the record is currently active.", "internal"),
    col("valid_from", Date, "First day the record version is valid.", "internal"),
    col("valid_to", Date, "Last day the record version is valid.", "internal"),
    col("region", Code, "Sales region (EMEA, AMER, APAC).", "public"),
    col("channel", Code, "Channel the record originates from (web, store, partner).", "public"),
    col("load_date", Date, "Date the record was loaded into the platform.", "internal"),
    col("record_hash", Text, "Hash of the business columns, used to detect changes.", "internal"),
];

pub(crate) const DOMAINS: &[DomainWords] = &[
    DomainWords {
        name: "sales",
        entities: &[("orders", "order"), ("order_items", "order_item"), ("quotes", "quote"), ("opportunities", "opportunity"), ("sales_targets", "sales_target"), ("leads", "lead"), ("discounts", "discount"), ("sales_reps", "sales_rep")],
        columns: &[
            col("order_date", Date, "Date the order was placed.", "internal"),
            col("total_amount", Amount, "Total order amount including tax.", "internal"),
            col("net_amount", Amount, "Order amount after discounts, excluding tax.", "internal"),
            col("discount_amount", Amount, "Discount granted on the order.", "internal"),
            col("quantity", Int, "Number of units ordered.", "internal"),
            col("unit_price", Amount, "Price per unit at the time of the order.", "internal"),
            col("sales_rep_id", Id, "Sales representative responsible for the deal.", "internal"),
            col("opportunity_stage", Code, "Stage of the sales opportunity in the pipeline.", "internal"),
            col("close_date", Date, "Expected or actual close date of the deal.", "internal"),
            col("shipping_address", Text, "Delivery address given with the order.", "confidential"),
        ],
    },
    DomainWords {
        name: "customer",
        entities: &[("customers", "customer"), ("customer_addresses", "customer_address"), ("loyalty_members", "loyalty_member"), ("customer_segments", "customer_segment"), ("consents", "consent"), ("contacts", "contact"), ("households", "household"), ("preferences", "preference")],
        columns: &[
            col("email", Email, "Primary email address of the customer.", "restricted"),
            col("first_name", Text, "Given name of the customer.", "restricted"),
            col("last_name", Text, "Family name of the customer.", "restricted"),
            col("phone_number", Text, "Phone number in E.164 format.", "restricted"),
            col("birth_date", Date, "Date of birth of the customer.", "restricted"),
            col("billing_address", Text, "Billing address of the customer.", "confidential"),
            col("loyalty_tier", Code, "Loyalty programme tier (bronze, silver, gold).", "internal"),
            col("segment_name", Text, "Marketing segment the customer belongs to.", "internal"),
            col("marketing_opt_in", Bool, "Whether the customer agreed to marketing messages.", "confidential"),
            col("lifetime_value", Amount, "Predicted customer lifetime value.", "confidential"),
        ],
    },
    DomainWords {
        name: "logistics",
        entities: &[("shipments", "shipment"), ("deliveries", "delivery"), ("carriers", "carrier"), ("routes", "route"), ("tracking_events", "tracking_event"), ("parcels", "parcel"), ("freight_costs", "freight_cost"), ("depots", "depot")],
        columns: &[
            col("tracking_number", Text, "Carrier tracking number of the parcel.", "internal"),
            col("carrier_name", Text, "Name of the carrier transporting the shipment.", "public"),
            col("shipped_at", Timestamp, "Time the shipment left the warehouse.", "internal"),
            col("delivered_at", Timestamp, "Time the shipment was delivered.", "internal"),
            col("shipping_address", Text, "Delivery address of the shipment.", "confidential"),
            col("weight_kg", Amount, "Gross weight in kilograms.", "public"),
            col("freight_cost", Amount, "Freight cost charged by the carrier.", "internal"),
            col("route_id", Id, "Identifier of the delivery route.", "internal"),
            col("estimated_delivery_date", Date, "Delivery date promised to the customer.", "internal"),
            col("delivery_attempts", Int, "Number of delivery attempts.", "internal"),
        ],
    },
    DomainWords {
        name: "finance",
        entities: &[("invoices", "invoice"), ("ledger_entries", "ledger_entry"), ("budgets", "budget"), ("cost_centers", "cost_center"), ("accounts_payable", "account_payable"), ("accounts_receivable", "account_receivable"), ("tax_filings", "tax_filing"), ("exchange_rates", "exchange_rate")],
        columns: &[
            col("invoice_number", Text, "Legal invoice number.", "internal"),
            col("invoice_date", Date, "Date the invoice was issued.", "internal"),
            col("due_date", Date, "Date the payment is due.", "internal"),
            col("gross_amount", Amount, "Amount including tax.", "confidential"),
            col("tax_amount", Amount, "Tax part of the amount.", "confidential"),
            col("gl_account", Code, "General ledger account number.", "internal"),
            col("cost_center_id", Id, "Cost center the amount is booked on.", "internal"),
            col("fiscal_period", Code, "Fiscal period (YYYY-MM).", "internal"),
            col("exchange_rate", Amount, "Rate used to convert into the reporting currency.", "public"),
            col("vat_number", Text, "VAT identification number of the counterparty.", "confidential"),
        ],
    },
    DomainWords {
        name: "marketing",
        entities: &[("campaigns", "campaign"), ("email_sends", "email_send"), ("ad_impressions", "ad_impression"), ("clicks", "click"), ("sessions", "session"), ("attributions", "attribution"), ("newsletter_subscriptions", "newsletter_subscription"), ("promotions", "promotion")],
        columns: &[
            col("campaign_id", Id, "Identifier of the marketing campaign.", "internal"),
            col("campaign_name", Text, "Name of the marketing campaign.", "public"),
            col("utm_source", Text, "UTM source of the visit.", "internal"),
            col("utm_medium", Text, "UTM medium of the visit.", "internal"),
            col("impressions", Int, "Number of ad impressions.", "internal"),
            col("click_count", Int, "Number of clicks.", "internal"),
            col("spend_amount", Amount, "Media spend.", "confidential"),
            col("conversion_rate", Amount, "Share of sessions that converted.", "internal"),
            col("email", Email, "Email address the message was sent to.", "restricted"),
            col("session_start", Timestamp, "Start of the web session.", "internal"),
        ],
    },
    DomainWords {
        name: "inventory",
        entities: &[("stock_levels", "stock_level"), ("stock_movements", "stock_movement"), ("reorder_points", "reorder_point"), ("bins", "bin"), ("cycle_counts", "cycle_count"), ("warehouses", "warehouse"), ("skus", "sku"), ("batches", "batch")],
        columns: &[
            col("sku", Text, "Stock keeping unit.", "public"),
            col("warehouse_id", Id, "Identifier of the warehouse.", "internal"),
            col("on_hand_quantity", Int, "Units physically on hand.", "internal"),
            col("reserved_quantity", Int, "Units reserved for open orders.", "internal"),
            col("available_quantity", Int, "Units available to promise.", "internal"),
            col("reorder_level", Int, "Stock level that triggers a reorder.", "internal"),
            col("bin_location", Text, "Storage bin inside the warehouse.", "internal"),
            col("batch_number", Text, "Production batch number.", "internal"),
            col("expiry_date", Date, "Best-before date of the batch.", "internal"),
            col("stock_value", Amount, "Value of the stock at cost price.", "confidential"),
        ],
    },
    DomainWords {
        name: "hr",
        entities: &[("employees", "employee"), ("payroll_runs", "payroll_run"), ("absences", "absence"), ("positions", "position"), ("departments", "department"), ("candidates", "candidate"), ("performance_reviews", "performance_review"), ("trainings", "training")],
        columns: &[
            col("employee_id", Id, "Identifier of the employee.", "confidential"),
            col("hire_date", Date, "Date the employee joined.", "confidential"),
            col("job_title", Text, "Current job title.", "internal"),
            col("department_name", Text, "Department the employee works in.", "internal"),
            col("salary_amount", Amount, "Gross annual salary.", "restricted"),
            col("manager_id", Id, "Employee identifier of the line manager.", "confidential"),
            col("work_email", Email, "Business email address.", "confidential"),
            col("absence_days", Int, "Number of absence days.", "restricted"),
            col("performance_rating", Code, "Rating of the latest performance review.", "restricted"),
            col("termination_date", Date, "Last working day, if the employee left.", "restricted"),
        ],
    },
    DomainWords {
        name: "product",
        entities: &[("products", "product"), ("product_categories", "product_category"), ("product_reviews", "product_review"), ("catalog_items", "catalog_item"), ("price_lists", "price_list"), ("bundles", "bundle"), ("brands", "brand"), ("product_attributes", "product_attribute")],
        columns: &[
            col("product_name", Text, "Display name of the product.", "public"),
            col("category_name", Text, "Product category.", "public"),
            col("brand_name", Text, "Brand of the product.", "public"),
            col("list_price", Amount, "Recommended retail price.", "public"),
            col("review_rating", Int, "Star rating from 1 to 5.", "public"),
            col("review_text", Text, "Free text of the customer review.", "confidential"),
            col("ean_code", Code, "European article number (barcode).", "public"),
            col("launch_date", Date, "Date the product was launched.", "public"),
            col("is_discontinued", Bool, "Whether the product is no longer sold.", "public"),
            col("color", Text, "Main color of the product.", "public"),
        ],
    },
    DomainWords {
        name: "supply",
        entities: &[("suppliers", "supplier"), ("purchase_orders", "purchase_order"), ("supplier_contracts", "supplier_contract"), ("lead_times", "lead_time"), ("demand_forecasts", "demand_forecast"), ("production_plans", "production_plan"), ("materials", "material"), ("quality_inspections", "quality_inspection")],
        columns: &[
            col("supplier_id", Id, "Identifier of the supplier.", "internal"),
            col("supplier_name", Text, "Legal name of the supplier.", "internal"),
            col("lead_time_days", Int, "Days between order and delivery.", "internal"),
            col("forecast_quantity", Int, "Forecast demand in units.", "internal"),
            col("forecast_week", Code, "ISO week of the forecast (YYYY-Www).", "internal"),
            col("material_code", Code, "Material master code.", "internal"),
            col("purchase_price", Amount, "Agreed purchase price per unit.", "confidential"),
            col("inspection_result", Code, "Outcome of the quality inspection.", "internal"),
            col("planned_start_date", Date, "Planned production start.", "internal"),
            col("supplier_rating", Int, "Supplier score from 1 to 100.", "confidential"),
        ],
    },
    DomainWords {
        name: "payments",
        entities: &[("payments", "payment"), ("refunds", "refund"), ("chargebacks", "chargeback"), ("payment_methods", "payment_method"), ("settlements", "settlement"), ("transactions", "transaction"), ("payouts", "payout"), ("fraud_alerts", "fraud_alert")],
        columns: &[
            col("payment_method", Code, "Method used to pay (card, paypal, invoice).", "internal"),
            col("amount", Amount, "Payment amount.", "confidential"),
            col("card_last_four", Code, "Last four digits of the card number.", "restricted"),
            col("iban", Text, "Bank account number (IBAN).", "restricted"),
            col("authorized_at", Timestamp, "Time the payment was authorized.", "internal"),
            col("settled_at", Timestamp, "Time the payment was settled.", "internal"),
            col("refund_reason", Text, "Reason given for the refund.", "internal"),
            col("psp_reference", Text, "Reference of the payment service provider.", "internal"),
            col("fraud_score", Amount, "Fraud probability between 0 and 1.", "confidential"),
            col("is_chargeback", Bool, "Whether the payment was charged back.", "internal"),
        ],
    },
    DomainWords {
        name: "procurement",
        entities: &[("requisitions", "requisition"), ("vendor_invoices", "vendor_invoice"), ("vendors", "vendor"), ("approvals", "approval"), ("spend_categories", "spend_category"), ("rfqs", "rfq"), ("purchase_contracts", "purchase_contract"), ("goods_receipts", "goods_receipt")],
        columns: &[
            col("vendor_id", Id, "Identifier of the vendor.", "internal"),
            col("vendor_name", Text, "Legal name of the vendor.", "internal"),
            col("requested_by", Text, "Employee who requested the purchase.", "confidential"),
            col("approved_at", Timestamp, "Time the request was approved.", "internal"),
            col("spend_category", Text, "Spend category of the purchase.", "internal"),
            col("committed_amount", Amount, "Amount committed by the purchase.", "confidential"),
            col("contract_end_date", Date, "End date of the purchase contract.", "internal"),
            col("payment_terms", Code, "Agreed payment terms (NET30, NET60).", "internal"),
            col("received_quantity", Int, "Units received.", "internal"),
            col("approval_level", Int, "Approval level required.", "internal"),
        ],
    },
    DomainWords {
        name: "fulfillment",
        entities: &[("picks", "pick"), ("packs", "pack"), ("returns", "return"), ("return_reasons", "return_reason"), ("backorders", "backorder"), ("order_allocations", "order_allocation"), ("fulfillment_centers", "fulfillment_center"), ("waves", "wave")],
        columns: &[
            col("picked_at", Timestamp, "Time the items were picked.", "internal"),
            col("packed_at", Timestamp, "Time the parcel was packed.", "internal"),
            col("return_reason", Text, "Reason the customer gave for the return.", "internal"),
            col("returned_quantity", Int, "Units returned.", "internal"),
            col("refund_amount", Amount, "Amount refunded for the return.", "confidential"),
            col("fulfillment_center_id", Id, "Identifier of the fulfillment center.", "internal"),
            col("picker_id", Id, "Employee who picked the order.", "confidential"),
            col("backorder_quantity", Int, "Units on backorder.", "internal"),
            col("promised_date", Date, "Date promised to the customer.", "internal"),
            col("shipping_address", Text, "Address the order ships to.", "confidential"),
        ],
    },
    DomainWords {
        name: "pricing",
        entities: &[("price_changes", "price_change"), ("competitor_prices", "competitor_price"), ("markdowns", "markdown"), ("price_elasticities", "price_elasticity"), ("coupons", "coupon"), ("price_rules", "price_rule"), ("margins", "margin"), ("price_tests", "price_test")],
        columns: &[
            col("old_price", Amount, "Price before the change.", "internal"),
            col("new_price", Amount, "Price after the change.", "internal"),
            col("competitor_name", Text, "Competitor the price was observed at.", "internal"),
            col("observed_price", Amount, "Competitor price observed.", "internal"),
            col("markdown_percent", Amount, "Markdown in percent of the list price.", "internal"),
            col("coupon_code", Code, "Coupon code given to customers.", "internal"),
            col("elasticity", Amount, "Estimated price elasticity of demand.", "confidential"),
            col("margin_amount", Amount, "Gross margin per unit.", "confidential"),
            col("effective_date", Date, "Date the price becomes effective.", "internal"),
            col("price_zone", Code, "Pricing zone.", "internal"),
        ],
    },
    DomainWords {
        name: "risk",
        entities: &[("credit_scores", "credit_score"), ("fraud_cases", "fraud_case"), ("risk_assessments", "risk_assessment"), ("exposures", "exposure"), ("credit_limits", "credit_limit"), ("sanctions_screenings", "sanctions_screening"), ("incidents", "incident"), ("controls", "control")],
        columns: &[
            col("risk_score", Amount, "Risk score between 0 and 100.", "confidential"),
            col("credit_limit", Amount, "Approved credit limit.", "confidential"),
            col("exposure_amount", Amount, "Outstanding exposure.", "confidential"),
            col("assessment_date", Date, "Date of the risk assessment.", "internal"),
            col("case_status", Code, "Status of the fraud case.", "internal"),
            col("screening_result", Code, "Result of the sanctions screening.", "restricted"),
            col("national_id", Text, "National identification number.", "restricted"),
            col("analyst_id", Id, "Risk analyst handling the case.", "internal"),
            col("is_high_risk", Bool, "Whether the counterparty is high risk.", "confidential"),
            col("incident_severity", Code, "Severity of the incident.", "internal"),
        ],
    },
    DomainWords {
        name: "support",
        entities: &[("tickets", "ticket"), ("ticket_comments", "ticket_comment"), ("csat_surveys", "csat_survey"), ("agents", "agent"), ("call_logs", "call_log"), ("chat_sessions", "chat_session"), ("sla_breaches", "sla_breach"), ("knowledge_articles", "knowledge_article")],
        columns: &[
            col("ticket_id", Id, "Identifier of the support ticket.", "internal"),
            col("agent_id", Id, "Support agent handling the ticket.", "internal"),
            col("priority", Code, "Ticket priority (low, normal, high, urgent).", "internal"),
            col("opened_at", Timestamp, "Time the ticket was opened.", "internal"),
            col("resolved_at", Timestamp, "Time the ticket was resolved.", "internal"),
            col("csat_score", Int, "Customer satisfaction score from 1 to 5.", "internal"),
            col("subject", Text, "Subject line of the ticket.", "confidential"),
            col("email", Email, "Email address of the requester.", "restricted"),
            col("handle_time_seconds", Int, "Time spent handling the contact.", "internal"),
            col("first_response_at", Timestamp, "Time of the first agent response.", "internal"),
        ],
    },
    DomainWords {
        name: "ecommerce",
        entities: &[("web_sessions", "web_session"), ("page_views", "page_view"), ("carts", "cart"), ("cart_items", "cart_item"), ("checkouts", "checkout"), ("search_queries", "search_query"), ("wishlists", "wishlist"), ("product_views", "product_view")],
        columns: &[
            col("session_id", Id, "Identifier of the web session.", "internal"),
            col("page_url", Text, "URL of the page viewed.", "internal"),
            col("referrer_url", Text, "Referring URL.", "internal"),
            col("device_type", Code, "Device category (desktop, mobile, tablet).", "public"),
            col("search_term", Text, "Text the visitor searched for.", "internal"),
            col("cart_value", Amount, "Value of the cart.", "internal"),
            col("checkout_step", Code, "Last checkout step reached.", "internal"),
            col("ip_address", Text, "IP address of the visitor.", "restricted"),
            col("user_agent", Text, "Browser user agent string.", "internal"),
            col("is_converted", Bool, "Whether the session ended in an order.", "internal"),
        ],
    },
];

pub(crate) const QUALIFIERS: &[&str] = &[
    "Analytics", "Insights", "360", "Daily Snapshot", "Master Data", "History", "Forecast", "Events", "Reporting",
    "Metrics", "Mart", "Hub", "Quality Monitor", "Performance", "Trends", "Ledger", "Feed", "Scorecard",
];

pub(crate) const REGIONS: &[&str] = &["EMEA", "AMER", "APAC", "Nordics", "DACH", "Online", "Retail", "B2B", "Wholesale"];

pub(crate) const USE_CASES: &[&str] = &[
    "revenue reporting", "churn prediction", "demand forecasting", "regulatory reporting", "executive dashboards",
    "fraud detection", "customer segmentation", "margin analysis", "operational monitoring", "capacity planning",
    "personalised recommendations", "month-end close", "service level tracking", "cost optimisation",
];

/// Contract flavours: (name word, dataset-name patterns with `{e}` = plural entity, `{s}` = singular).
pub(crate) const CONTRACT_KINDS: &[(&str, &[&str])] = &[
    ("Curated", &["{e}", "{e}_cleansed", "dim_{s}", "{e}_current"]),
    ("Raw", &["raw_{e}", "stg_{e}", "{e}_landing"]),
    ("Aggregated", &["agg_{e}_daily", "agg_{e}_monthly", "fct_{e}", "{s}_kpis"]),
    ("Snapshot", &["{e}_snapshot", "{e}_history", "{s}_scd2"]),
    ("Reporting", &["rpt_{e}", "{e}_summary", "{s}_report"]),
];

pub(crate) const TEAM_WORDS: &[&str] = &["insights", "platform", "analytics", "core", "ops", "intelligence", "engineering", "data"];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "anna", "ben", "chloe", "david", "elena", "farid", "grace", "hiro", "ines", "jonas", "kemal", "lara", "marco", "nadia",
    "oliver", "priya", "quentin", "rosa", "sven", "tara", "umar", "vera", "wei", "ximena", "yusuf", "zoe",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "andersen", "becker", "costa", "dubois", "eriksson", "fischer", "garcia", "hansen", "ivanova", "jensen", "kowalski",
    "lopez", "muller", "nakamura", "okafor", "petrov", "rossi", "schmidt", "tanaka", "urban", "varga", "weber", "yilmaz",
];

pub(crate) const MEMBER_ROLES: &[&str] = &["data engineer", "data steward", "analytics engineer", "data analyst", "product manager"];

/// Operational source systems that root products ingest from (namespace, database.schema).
pub(crate) const SOURCE_SYSTEMS: &[(&str, &str)] = &[
    ("postgres://erp-db.acme.internal:5432", "erp.public"),
    ("postgres://crm-db.acme.internal:5432", "crm.public"),
    ("postgres://shop-db.acme.internal:5432", "webshop.public"),
    ("postgres://wms-db.acme.internal:5432", "wms.public"),
];
