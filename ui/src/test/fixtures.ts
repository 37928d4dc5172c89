// Typed views of the recorded CLI answers in fixtures/ (see recordedBackend.ts), shared by the screen tests.
import type {

  CheckReport,
  Consumer,
  LineageGraph,
  Ownership,
  ProductDetail,
  ProductSummary,
  QualityReport,
  Scorecard,
  SearchResults,
  SourceRecord,
} from "../ipc/commands";
import aboutJson from "./fixtures/about.json";
import appInfoJson from "./fixtures/app-info.json";
import checkJson from "./fixtures/check.json";
import consumersSalesOrdersJson from "./fixtures/consumers-sales-orders.json";
import lineageFctOrdersJson from "./fixtures/lineage-fct-orders.json";
import lineagePathJson from "./fixtures/lineage-path-sales-orders-finance.json";
import lineageAnalyticsDatasetJson from "./fixtures/lineage-sales-order-analytics-dataset.json";
import lineageSalesOrders2Json from "./fixtures/lineage-sales-orders-product-2.json";
import lineageSalesOrdersJson from "./fixtures/lineage-sales-orders-product.json";
import ownersChurnJson from "./fixtures/owners-customer-churn-scores.json";
import ownersSalesOrdersJson from "./fixtures/owners-sales-orders.json";
import productAnalyticsJson from "./fixtures/product-sales-order-analytics.json";
import productJson from "./fixtures/product-sales-orders.json";
import productsJson from "./fixtures/products.json";
import qualityAllJson from "./fixtures/quality-all.json";
import qualityFailingJson from "./fixtures/quality-failing.json";
import qualityFctOrdersJson from "./fixtures/quality-fct-orders.json";
import scorecardJson from "./fixtures/scorecard.json";
import searchCustomerJson from "./fixtures/search-ordrs-customer.json";
import searchJson from "./fixtures/search-ordrs.json";
import sourcesJson from "./fixtures/sources.json";

export const appInfo = appInfoJson;
/** `meshlens call about`, its licence list cut to five packages. */
export const about = aboutJson;
export const products = productsJson as ProductSummary[];
export const salesOrders = productJson as ProductDetail;
export const orderAnalytics = productAnalyticsJson as ProductDetail;
export const searchOrdrs = searchJson as SearchResults;
export const searchOrdrsCustomer = searchCustomerJson as SearchResults;
export const lineageSalesOrders = lineageSalesOrdersJson as LineageGraph;
export const lineageSalesOrders2 = lineageSalesOrders2Json as LineageGraph;
export const lineageAnalyticsDataset = lineageAnalyticsDatasetJson as LineageGraph;
export const lineageFctOrders = lineageFctOrdersJson as LineageGraph;
export const lineagePath = lineagePathJson as LineageGraph;
export const qualityAll = qualityAllJson as QualityReport;
export const qualityFailing = qualityFailingJson as QualityReport;
export const qualityFctOrders = qualityFctOrdersJson as QualityReport;
export const scorecards = scorecardJson as Scorecard[];
export const check = checkJson as CheckReport;
export const sources = sourcesJson as SourceRecord[];
export const ownersSalesOrders = ownersSalesOrdersJson as Ownership;
export const ownersChurn = ownersChurnJson as Ownership;
export const consumersSalesOrders = consumersSalesOrdersJson as Consumer[];
